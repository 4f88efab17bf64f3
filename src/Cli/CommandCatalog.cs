namespace Atelier.Cli;

/// <summary>One command of a palette, e.g. <c>cluster down</c>.</summary>
internal sealed record CommandInfo(string Palette, string Name, CommandKind Kind)
{
    /// <summary>The help topic: <c>palette name</c>.</summary>
    public string Topic => $"{Palette} {Name}";
}

/// <summary>The palettes and their commands: what the parser accepts, help knows and the prompt completes.</summary>
internal static class CommandCatalog
{
    /// <summary>The palettes, in the order help lists them.</summary>
    public static readonly IReadOnlyList<string> Palettes = ["sweep", "cluster", "worker", "completion"];

    /// <summary>Every command, palette by palette.</summary>
    public static readonly IReadOnlyList<CommandInfo> All =
    [
        new("sweep", "submit", CommandKind.SweepSubmit),
        new("sweep", "list", CommandKind.SweepList),
        new("sweep", "show", CommandKind.SweepShow),
        new("sweep", "watch", CommandKind.SweepWatch),
        new("sweep", "cancel", CommandKind.SweepCancel),
        new("sweep", "pause", CommandKind.SweepPause),
        new("sweep", "resume", CommandKind.SweepResume),
        new("sweep", "extend", CommandKind.SweepExtend),
        new("sweep", "logs", CommandKind.SweepLogs),
        new("sweep", "artifacts", CommandKind.SweepArtifacts),
        new("sweep", "report", CommandKind.SweepReport),
        new("cluster", "show", CommandKind.ClusterShow),
        new("cluster", "leave", CommandKind.ClusterLeave),
        new("cluster", "down", CommandKind.ClusterDown),
        new("worker", "list", CommandKind.WorkerList),
        new("worker", "drain", CommandKind.WorkerDrain),
        new("completion", "bash", CommandKind.CompletionBash),
        new("completion", "zsh", CommandKind.CompletionZsh),
    ];

    /// <summary>The command names of <paramref name="palette"/>, in help order.</summary>
    public static IReadOnlyList<string> CommandsOf(string palette) =>
        All.Where(c => c.Palette == palette).Select(c => c.Name).ToList();

    /// <summary>The command <c>palette name</c>, or null.</summary>
    public static CommandInfo? Find(string palette, string name) =>
        All.FirstOrDefault(c => c.Palette == palette && c.Name == name);

    /// <summary>"a, b or c".</summary>
    public static string Or(IReadOnlyList<string> words) => Join(words, "or");

    /// <summary>"a, b and c".</summary>
    public static string And(IReadOnlyList<string> words) => Join(words, "and");

    private static string Join(IReadOnlyList<string> words, string last) => words.Count switch
    {
        0 => "",
        1 => words[0],
        _ => $"{string.Join(", ", words.Take(words.Count - 1))} {last} {words[^1]}",
    };
}
