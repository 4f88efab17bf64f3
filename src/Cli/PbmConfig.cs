using Atelier.Contracts.Text;
using System.Text.Json;

namespace Atelier.Cli;

/// <summary>The outcome of reading the config file: settings (null when there is no file), or what is wrong with it.</summary>
internal readonly record struct ConfigLoad(PbmConfig? Config, string? Error);

/// <summary>
/// pbm's config file: <c>$ATELIER_CONFIG</c>, else <c>$XDG_CONFIG_HOME/atelier/pbm.json</c>, else
/// <c>~/.config/atelier/pbm.json</c>, holding <c>{"server": "HOST:PORT", "token": "…"}</c> (both optional).
/// </summary>
/// <param name="Path">The file the settings came from.</param>
/// <param name="Server">The coordinator, already checked.</param>
/// <param name="Token">The API token, used when <c>ATELIER_TOKEN</c> is unset.</param>
internal sealed record PbmConfig(string Path, Uri? Server, string? Token)
{
    /// <summary>The environment variable that names the config file.</summary>
    public const string Variable = "ATELIER_CONFIG";

    /// <summary>The settings a config file may hold.</summary>
    public static readonly IReadOnlyList<string> Settings = ["server", "token"];

    private const string Shape = """{"server": "HOST:PORT", "token": "..."}""";

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Where the config file is looked for; <paramref name="named"/> when <c>ATELIER_CONFIG</c> names it (then it must exist).</summary>
    public static string? Locate(PbmHost host, out bool named)
    {
        named = false;
        if (host.GetEnvironmentVariable(Variable) is { Length: > 0 } explicitPath)
        {
            named = true;
            return Expand(explicitPath, host.HomeDirectory);
        }
        if (host.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg && System.IO.Path.IsPathRooted(xdg))
            return System.IO.Path.Combine(xdg, "atelier", "pbm.json");
        if (host.HomeDirectory is { Length: > 0 } home)
            return System.IO.Path.Combine(home, ".config", "atelier", "pbm.json");
        return null;
    }

    /// <summary>Reads the config file, if there is one.</summary>
    public static ConfigLoad Load(PbmHost host)
    {
        var path = Locate(host, out var named);
        if (path is null)
            return default;
        if (Directory.Exists(path))
            return Fail($"the config file {path} is a directory: it must be a JSON file such as {Shape}");
        if (!File.Exists(path))
            return named ? Fail($"{Variable} names {path}, which does not exist: create it (it holds {Shape}) or unset {Variable}") : default;

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail($"cannot read the config file {path}: {Format.Truncate(e.Message, 200)}");
        }
        return Parse(path, text);
    }

    /// <summary>Reads the settings in <paramref name="text"/>, the contents of <paramref name="path"/>.</summary>
    public static ConfigLoad Parse(string path, string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return new ConfigLoad(new PbmConfig(path, null, null), null);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, JsonOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1})" : "";
            return Fail($"the config file {path} is not valid JSON{where}: {Reason(e)}; it should hold {Shape}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return Fail($"the config file {path} holds {Article(root.ValueKind)}, not an object such as {Shape}");

            Uri? server = null;
            string? token = null;
            foreach (var property in root.EnumerateObject())
            {
                if (!Settings.Contains(property.Name))
                    return Fail($"the config file {path} has an unknown setting \"{property.Name}\"{NearMiss.Suggest(property.Name, Settings)}: the settings are {CommandCatalog.And(Settings)}");
                if (property.Value.ValueKind == JsonValueKind.Null)
                    continue;
                if (property.Value.ValueKind != JsonValueKind.String)
                    return Fail($"the config file {path}: \"{property.Name}\" must be a string, not {Article(property.Value.ValueKind)}");

                var value = property.Value.GetString()!;
                if (property.Name == "token")
                {
                    token = value.Trim().Length > 0 ? value.Trim() : null;
                    continue;
                }
                if (!ServerAddress.TryParse(value, out var uri, out var why))
                    return Fail($"the config file {path}: server \"{value}\" {why}");
                server = uri;
            }
            return new ConfigLoad(new PbmConfig(path, server, token), null);
        }
    }

    private static ConfigLoad Fail(string error) => new(null, error);

    private static string Expand(string path, string? home) =>
        home is { Length: > 0 } && (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            ? System.IO.Path.Combine(home, path.Length > 2 ? path[2..] : "")
            : System.IO.Path.GetFullPath(path);

    private static string Reason(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return Format.Truncate(cut > 0 ? message[..cut] : message, 200).TrimEnd('.');
    }

    private static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
