using System.Globalization;

namespace Atelier.Cli;

/// <summary>An option of <c>pbm</c>: its name, its value's placeholder, and how it is read into <see cref="OptionValues"/>.</summary>
/// <param name="Name">e.g. <c>--out</c>.</param>
/// <param name="Value">The value's placeholder in usage (<c>DIR</c>); null for a flag, which takes none.</param>
/// <param name="Apply">Reads the value (null when none followed; always null for a flag); returns a usage error or null.</param>
internal sealed record CommandOption(string Name, string? Value, Func<OptionValues, string?, string?> Apply)
{
    /// <summary>Other spellings, e.g. <c>-h</c>.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>As usage shows it: <c>--out DIR</c>.</summary>
    public string Synopsis => Value is null ? Name : $"{Name} {Value}";

    public bool IsNamed(string name) => name == Name || Aliases.Contains(name);
}

/// <summary>The options given on one command line, as they are read.</summary>
internal sealed class OptionValues
{
    public string? Server;
    public bool Json, Help, Version, Wait, DryRun;
    public string? Out;
    public MetricChoice? Metrics;
    public int? Views;

    /// <summary>The options given, in the order first seen.</summary>
    public readonly List<CommandOption> Given = [];
}

/// <summary>Every option <c>pbm</c> knows: the global ones, then those of particular commands (which name them in their <see cref="PbmCommand.Options"/>).</summary>
internal static class CommandOptions
{
    public static readonly CommandOption Server = new("--server", "URL", (v, value) =>
    {
        if (value is null) return "option --server needs a value, e.g. --server 10.0.0.5:9110";
        v.Server = value;
        return null;
    });

    public static readonly CommandOption Json = Flag("--json", v => v.Json = true);

    public static readonly CommandOption Help = Flag("--help", v => v.Help = true) with { Aliases = ["-h"] };

    public static readonly CommandOption Version = Flag("--version", v => v.Version = true);

    public static readonly CommandOption Wait = Flag("--wait", v => v.Wait = true);

    public static readonly CommandOption DryRun = Flag("--dry-run", v => v.DryRun = true);

    public static readonly CommandOption Out = new("--out", "DIR", (v, value) =>
    {
        v.Out = value;
        return string.IsNullOrEmpty(value) ? "option --out needs a directory, e.g. --out ./trial-3" : null;
    });

    public static readonly CommandOption Views = new("--views", "TRIAL", (v, value) =>
    {
        if (string.IsNullOrEmpty(value)) return "option --views needs a trial number, e.g. --views 3";
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var trial))
            return $"option --views takes a trial number (0 or more, as pbm sweep show lists them), not '{value}'";
        v.Views = trial;
        return null;
    });

    public static readonly CommandOption Metrics = new("--metrics", "A,B", (v, value) =>
    {
        var names = value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (names.Length == 0) return "option --metrics needs metric names, e.g. --metrics test_accuracy,train_loss";
        if (v.Metrics is { All: true }) return MetricsTogether;
        v.Metrics = new MetricChoice(names);
        return null;
    });

    public static readonly CommandOption AllMetrics = new("--all-metrics", null, (v, _) =>
    {
        var clash = v.Metrics is { Listed: not null };
        v.Metrics = new MetricChoice(All: true);
        return clash ? MetricsTogether : null;
    });

    /// <summary>The options every command takes, as completion offers them.</summary>
    public static readonly IReadOnlyList<CommandOption> EveryCommand = [Help, Json, Server];

    /// <summary>Every option, in the order their misuse is reported.</summary>
    public static readonly IReadOnlyList<CommandOption> All = [Server, Json, Help, Version, Wait, DryRun, Out, Views, Metrics, AllMetrics];

    /// <summary>The global options: valid with any command.</summary>
    public static bool IsGlobal(CommandOption option) => option == Server || option == Json || option == Help || option == Version;

    private const string MetricsTogether = "options --metrics and --all-metrics do not go together";

    private static CommandOption Flag(string name, Action<OptionValues> set) => new(name, null, (v, _) =>
    {
        set(v);
        return null;
    });
}
