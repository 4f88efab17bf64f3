using System.Text.RegularExpressions;
using Atelier.Contracts.Api;

namespace Atelier.Cli;

/// <summary>Reads a coordinator address: a full http(s) URL, or a bare <c>host:port</c> (or <c>host</c>) meaning http.</summary>
internal static partial class ServerAddress
{
    /// <summary>The address used when neither <c>--server</c> nor <c>ATELIER_SERVER</c> says otherwise.</summary>
    public static readonly Uri Default = new($"http://127.0.0.1:{ClusterNames.DefaultApiPort}/");

    /// <summary>True for a first argument that names a server (Petabridge.Cmd's <c>pbm 127.0.0.1:9110 …</c>).</summary>
    public static bool LooksLikeServer(string arg) =>
        arg.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
        || arg.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || HostPort().IsMatch(arg);

    /// <summary>
    /// Parses <paramref name="text"/> into a base URL that ends with '/'. A bare host gets <c>http://</c> and,
    /// without a port, the default API port.
    /// </summary>
    public static bool TryParse(string text, out Uri uri, out string error)
    {
        uri = Default;
        error = "";
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            error = "is empty";
            return false;
        }

        var hasScheme = trimmed.Contains("://", StringComparison.Ordinal);
        var candidate = hasScheme ? trimmed : "http://" + trimmed;
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var parsed)
            || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
            || parsed.Host.Length == 0
            || parsed.Query.Length > 0
            || parsed.Fragment.Length > 0
            || parsed.UserInfo.Length > 0)
        {
            error = "is not an http(s) URL or HOST:PORT (e.g. 10.0.0.5:9110 or https://atelier.example.com)";
            return false;
        }

        var builder = new UriBuilder(parsed);
        if (!hasScheme && !ExplicitPort().IsMatch(trimmed))
            builder.Port = ClusterNames.DefaultApiPort;
        if (!builder.Path.EndsWith('/'))
            builder.Path += "/";
        uri = builder.Uri;
        return true;
    }

    /// <summary>The address as people write it: no trailing slash.</summary>
    public static string Display(Uri uri) => uri.ToString().TrimEnd('/');

    [GeneratedRegex(@"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):\d{1,5}/?$")]
    private static partial Regex HostPort();

    [GeneratedRegex(@"^(\[[^\]]*\]|[^:/\[]+):\d+(/.*)?$")]
    private static partial Regex ExplicitPort();
}
