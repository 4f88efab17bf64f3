namespace Atelier.Cli;

/// <summary>
/// One <c>pbm</c> command, declared once, in the command's own file: what the parser accepts (operands, options), what
/// help, usage errors, completion and the README's command list say about it, and what runs it.
/// </summary>
/// <param name="Palette">The first word, e.g. <c>cluster</c>.</param>
/// <param name="Name">The second word, e.g. <c>down</c>.</param>
/// <param name="Run">The handler; it reads its operands and options from <see cref="CommandContext.Command"/>.</param>
internal sealed record PbmCommand(string Palette, string Name, Func<CommandContext, CancellationToken, Task<int>> Run)
{
    /// <summary>The operands, in order; the optional ones come last.</summary>
    public IReadOnlyList<Operand> Operands { get; init; } = [];

    /// <summary>The command's own options, in groups: the options of one group are alternatives (<c>[--wait | --dry-run]</c>).</summary>
    public IReadOnlyList<IReadOnlyList<CommandOption>> Options { get; init; } = [];

    /// <summary>What it does, for the command lists (root and palette help, the README); <c>\n</c> continues the line.</summary>
    public required string Summary { get; init; }

    /// <summary>The help's opening, after <c>pbm palette name: </c>.</summary>
    public required string About { get; init; }

    /// <summary>The help after the usage line: what the output means, the command's options.</summary>
    public string Details { get; init; } = "";

    /// <summary>Whether it runs without the coordinator (no <c>--json</c>, no <c>--server</c> in its usage).</summary>
    public bool Local { get; init; }

    /// <summary>The help topic: <c>palette name</c>.</summary>
    public string Topic => $"{Palette} {Name}";

    /// <summary>Its options, every group's.</summary>
    public IEnumerable<CommandOption> OwnOptions => Options.SelectMany(g => g);

    /// <summary>The words after <c>pbm palette</c> in a synopsis: <c>extend ID FILE [--dry-run]</c>.</summary>
    public string Form => string.Join(' ', new[] { Name }
        .Concat(Operands.Select(o => o.Optional ? $"[{o.Name}]" : o.Name))
        .Concat(Options.Select(g => $"[{string.Join(" | ", g.Select(o => o.Synopsis))}]")));

    /// <summary>Why <paramref name="operands"/> do not fit, or null: a missing, extra or malformed operand.</summary>
    public string? CheckOperands(IReadOnlyList<string> operands)
    {
        var required = Operands.Count(o => !o.Optional);
        if (operands.Count < required)
            return Operands[operands.Count].Missing;
        if (operands.Count > Operands.Count)
        {
            var extra = $"unexpected argument '{operands[Operands.Count]}'";
            return Operands.Count == 0
                ? extra
                : $"{extra}: give {CommandCatalog.And(Operands.Select(o => (o.Optional ? "at most one " : "one ") + o.Name).ToList())}";
        }
        return Operands.Zip(operands).Select(p => p.First.Check?.Invoke(p.Second)).FirstOrDefault(problem => problem is not null);
    }
}

/// <summary>An operand of a command, e.g. <c>ID</c>.</summary>
/// <param name="Name">As usage shows it.</param>
/// <param name="Missing">The usage error when it is left out; null for an optional operand.</param>
/// <param name="Check">Why a value is malformed, or null; checked before anything is sent.</param>
internal sealed record Operand(string Name, string? Missing, Func<string, string?>? Check = null)
{
    public bool Optional => Missing is null;
}

/// <summary>A palette: the commands that share a first word, e.g. <c>cluster</c>.</summary>
/// <param name="About">Its help's opening, after <c>pbm name: </c>.</param>
/// <param name="Footer">Its help after the command list ("" for none).</param>
internal sealed record Palette(string Name, string About, string Footer = "");

/// <summary>The table of <c>pbm</c>'s commands: what the parser accepts, help lists, the prompt and shells complete.</summary>
internal static class CommandCatalog
{
    /// <summary>The palettes, in the order help lists them.</summary>
    public static readonly IReadOnlyList<Palette> PaletteList =
    [
        new("sweep", "submit sweeps and read their results."),
        new("cluster", "the Akka.NET cluster behind the coordinator: its members and their state.",
            "ADDRESS is a member's address, akka.tcp://atelier@HOST:PORT, as pbm cluster show prints it."),
        new("worker", "the GPU worker nodes and their slots (one slot per device).",
            "ADDRESS is a worker node's address, akka.tcp://atelier@HOST:PORT, as pbm worker list prints it."),
        new("completion", "a completion script for your shell, made from pbm's own commands and options.",
            "Tab then completes palettes, commands and options, and file names for FILE and DIR."),
    ];

    /// <summary>Every command, palette by palette, in the order help lists them. A new command is one line here.</summary>
    public static readonly IReadOnlyList<PbmCommand> All =
    [
        SweepSubmitCommand.Definition,
        SweepListCommand.Definition,
        SweepShowCommand.Definition,
        SweepWatchCommand.Definition,
        SweepCancelCommand.Definition,
        SweepControlCommand.Pause,
        SweepControlCommand.Resume,
        SweepExtendCommand.Definition,
        SweepLogsCommand.Definition,
        SweepArtifactsCommand.Definition,
        SweepReportCommand.Definition,
        ClusterShowCommand.Definition,
        ClusterLeaveCommand.Definition,
        ClusterDownCommand.Definition,
        WorkerListCommand.Definition,
        WorkerDrainCommand.Definition,
        CompletionScript.Bash,
        CompletionScript.Zsh,
    ];

    /// <summary>The palettes' names, in help order.</summary>
    public static readonly IReadOnlyList<string> Palettes = PaletteList.Select(p => p.Name).ToList();

    /// <summary>The commands of <paramref name="palette"/>, in help order.</summary>
    public static IReadOnlyList<PbmCommand> Of(string palette) => All.Where(c => c.Palette == palette).ToList();

    /// <summary>The command names of <paramref name="palette"/>, in help order.</summary>
    public static IReadOnlyList<string> CommandsOf(string palette) => Of(palette).Select(c => c.Name).ToList();

    /// <summary>The command <c>palette name</c>, or null.</summary>
    public static PbmCommand? Find(string palette, string name) =>
        All.FirstOrDefault(c => c.Palette == palette && c.Name == name);

    /// <summary>The command whose topic is <paramref name="topic"/> (<c>sweep show</c>), or null.</summary>
    public static PbmCommand? Find(string topic) => All.FirstOrDefault(c => c.Topic == topic);

    /// <summary>The palette that <paramref name="topic"/> names, or null.</summary>
    public static Palette? FindPalette(string topic) => PaletteList.FirstOrDefault(p => p.Name == topic);

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
