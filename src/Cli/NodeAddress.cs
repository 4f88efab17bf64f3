using System.Globalization;
using System.Text.RegularExpressions;
using Atelier.Contracts.Api;

namespace Atelier.Cli;

/// <summary>
/// Checks a cluster node address before anything is sent: <c>akka.tcp://atelier@HOST:PORT</c> (or
/// <c>akka.ssl.tcp://…</c> in a cluster with mutual TLS), exactly as <c>pbm cluster show</c> and <c>pbm worker list</c> print it.
/// </summary>
internal static partial class NodeAddress
{
    /// <summary>The shape of an address, for messages and help.</summary>
    public const string Form = "akka.tcp://atelier@HOST:PORT";

    /// <summary>An example address, for messages and help.</summary>
    public const string Example = "akka.tcp://atelier@10.0.0.5:4053";

    private const string Scheme = "akka.tcp://";
    private const string TlsScheme = "akka.ssl.tcp://";

    /// <summary>Null when <paramref name="text"/> is a node address; otherwise what is wrong with it.</summary>
    public static string? Problem(string text)
    {
        var prefix = $"'{text}' is not a node address";
        if (!text.StartsWith(Scheme, StringComparison.Ordinal) && !text.StartsWith(TlsScheme, StringComparison.Ordinal))
        {
            if (HostPort().IsMatch(text))
                return $"{prefix}: write it as {Scheme}{ClusterNames.ActorSystem}@{text}";
            if (text.StartsWith("akka://", StringComparison.Ordinal) || text.StartsWith("akka.", StringComparison.OrdinalIgnoreCase))
                return $"{prefix}: the cluster's addresses start with {Scheme}, as in {Example}";
            return $"{prefix}: expected {Form}, e.g. {Example}";
        }

        var match = Address().Match(text);
        if (!match.Success)
            return $"{prefix}: expected {Form}, e.g. {Example}";
        if (match.Groups["system"].Value != ClusterNames.ActorSystem)
            return $"{prefix} of this cluster: its actor system is '{ClusterNames.ActorSystem}', not '{match.Groups["system"].Value}'";
        var port = int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture);
        if (port is < 1 or > 65535)
            return $"{prefix}: port {port} is not between 1 and 65535";
        return null;
    }

    /// <summary>An operand check: <see cref="Problem"/>, pointing at <paramref name="listing"/>, the command that prints addresses.</summary>
    public static Func<string, string?> Check(string listing) =>
        text => Problem(text) is { } problem ? $"{problem} (see {listing})" : null;

    [GeneratedRegex(@"^akka\.(ssl\.)?tcp://(?<system>[^@/:]*)@(?<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(?<port>\d{1,5})$")]
    private static partial Regex Address();

    [GeneratedRegex(@"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):\d{1,5}$")]
    private static partial Regex HostPort();
}
