namespace Atelier.Cli;

/// <summary>
/// The help texts, made from <see cref="CommandCatalog"/>: the whole of pbm, each palette, each command, the prompt's,
/// and every usage line. The texts about pbm as a whole (global options, environment, exit codes) live here.
/// </summary>
internal static class Usage
{
    /// <summary>Topics that <c>pbm help TOPIC</c> and <c>--help</c> know.</summary>
    public static readonly IReadOnlyList<string> Topics =
        ["", .. CommandCatalog.Palettes, .. CommandCatalog.All.Select(c => c.Topic)];

    private const string RemoteOptions = " [--json] [--server URL]";

    /// <summary>One line: how the command (or every command of a palette, or pbm) is called.</summary>
    public static string Synopsis(string topic)
    {
        if (CommandCatalog.Find(topic) is { } command)
            return $"pbm {command.Palette} {command.Form}{(command.Local ? "" : RemoteOptions)}";
        if (CommandCatalog.FindPalette(topic) is { } palette)
        {
            var commands = CommandCatalog.Of(palette.Name);
            return $"pbm {palette.Name} ({string.Join(" | ", commands.Select(c => c.Form))}){(commands.All(c => c.Local) ? "" : RemoteOptions)}";
        }
        var palettes = CommandCatalog.Palettes.Select(p => $"{p} {string.Join('|', CommandCatalog.CommandsOf(p))}");
        return $"pbm [HOST:PORT] COMMAND [OPTIONS]   (commands: {string.Join(", ", palettes)}, help; pbm HOST:PORT alone opens a prompt)";
    }

    /// <summary>The command that shows the full help of <paramref name="topic"/>.</summary>
    public static string HelpCommand(string topic) => topic.Length == 0 ? "pbm --help" : $"pbm {topic} --help";

    /// <summary>The full help of <paramref name="topic"/>, ending with a newline.</summary>
    public static string For(string topic)
    {
        if (CommandCatalog.Find(topic) is { } command)
        {
            var sections = new[] { $"pbm {topic}: {command.About}", $"Usage: {Synopsis(topic)}", command.Details };
            return string.Join("\n\n", sections.Where(s => s.Length > 0)) + "\n" + (command.Local ? "" : "\n" + Common);
        }
        if (CommandCatalog.FindPalette(topic) is { } palette)
        {
            var commands = CommandCatalog.Of(palette.Name);
            var local = commands.All(c => c.Local);
            var sections = new[]
            {
                $"pbm {palette.Name}: {palette.About}",
                $"Usage: pbm {palette.Name} COMMAND{(local ? "" : " [OPTIONS]")}",
                "Commands:\n" + List([.. commands.Select(c => (Left(c, withPalette: false), c.Summary))]).TrimEnd('\n'),
                palette.Footer,
            };
            return string.Join("\n\n", sections.Where(s => s.Length > 0)) + "\n" + (local ? "" : "\n" + Common);
        }
        return Root + "\n" + CommandList + RootEnd + "\n" + Common;
    }

    /// <summary>What <c>help</c> prints at the interactive prompt, whose commands go to <paramref name="server"/>.</summary>
    public static string Prompt(string server) =>
        $"Commands (as on pbm's command line, without \"pbm\"; they go to {server}):\n"
        + List([.. Commands, ("help [COMMAND]", "help for a command, e.g. help cluster down"),
            ("exit, quit", "leave the prompt (so does Ctrl+D on an empty line)")])
        + PromptEnd;

    /// <summary>The command list of <c>pbm --help</c>, which the README shows too (a test compares them).</summary>
    public static string CommandList => List([.. Commands, ("help [COMMAND]", "help for a command, e.g. pbm help sweep submit")]);

    private static IEnumerable<(string Left, string Summary)> Commands =>
        CommandCatalog.All.Select(c => (Left(c, withPalette: true), c.Summary));

    /// <summary>A command's words in a list: its name and operands; its options are the summary's to mention.</summary>
    private static string Left(PbmCommand command, bool withPalette) =>
        string.Join(' ', new[] { withPalette ? command.Topic : command.Name }
            .Concat(command.Operands.Select(o => o.Optional ? $"[{o.Name}]" : o.Name)));

    /// <summary>Two columns, two spaces in; a summary's further lines start under its first.</summary>
    private static string List(IReadOnlyCollection<(string Left, string Summary)> rows)
    {
        var column = rows.Max(r => r.Left.Length) + 3;
        var text = new System.Text.StringBuilder();
        foreach (var (left, summary) in rows)
        {
            var lines = summary.Split('\n');
            text.Append("  ").Append(left.PadRight(column)).Append(lines[0]).Append('\n');
            foreach (var line in lines.Skip(1))
                text.Append(' ', column + 2).Append(line).Append('\n');
        }
        return text.ToString();
    }

    private const string Root = """
        pbm: the Atelier command line. Submit hyperparameter sweeps to a coordinator, read their results,
        and look after the cluster and its GPU workers.

        Usage: pbm [HOST:PORT] COMMAND [OPTIONS]
               pbm HOST:PORT           an interactive prompt against that coordinator (see below)

        Commands:
        """;

    private const string RootEnd = """

        ADDRESS is a node's cluster address, akka.tcp://atelier@HOST:PORT, as pbm cluster show and
        pbm worker list print it.

        Examples:
          pbm sweep submit examples/synthetic-grid.yaml --wait
          pbm sweep submit examples/style-files.yaml --dry-run
          pbm sweep extend synthetic-grid-20260101-8f3a2c wider-grid.yaml
          pbm sweep artifacts style-weights-20260101-8f3a2c 4 --out ./trial-4
          pbm 10.0.0.5:9110 sweep list
          pbm sweep show synthetic-grid-20260101-8f3a2c --json
          pbm worker drain akka.tcp://atelier@10.0.0.7:4053
          pbm 10.0.0.5:9110            then, at the prompt: cluster show

        Interactive prompt:
          pbm HOST:PORT (or pbm --server URL) with no command opens a prompt, [HOST:PORT] pbm>, that
          runs one command per line against that coordinator, e.g. cluster show or sweep show ID --json
          ("..." quotes a word with spaces). help lists the commands, Tab completes them, Up/Down recall
          earlier lines, Ctrl+C clears the line (or stops the running command), and exit, quit or
          Ctrl+D leaves (exit code 0). A command that fails prints its error and the prompt goes on.
          With input from a pipe or a file, pbm runs its lines the same way and prints no prompt.

        """;

    private const string PromptEnd = """

        Options such as --json work as on the command line, e.g. sweep show ID --json; "..." quotes a word
        with spaces. On a terminal, Tab completes commands and Up/Down recall earlier lines.

        """;

    private const string Common = """
        Global options (anywhere on the line):
          --server URL   the coordinator's HTTP API; default: the ATELIER_SERVER environment variable,
                         else "server" in the config file, else http://127.0.0.1:9110. A bare HOST:PORT
                         means http://HOST:PORT. A first argument HOST:PORT does the same:
                         pbm 10.0.0.5:9110 sweep list
          --json         print JSON for scripts instead of tables
          -h, --help     show this help (for the command given, if any)
          --version      print pbm's version

        Environment:
          ATELIER_SERVER the default --server
          ATELIER_TOKEN  the coordinator's API token, sent as Authorization: Bearer (required when the
                         coordinator has one, as it must when it listens beyond loopback); default:
                         "token" in the config file
          ATELIER_CONFIG the config file; default: $XDG_CONFIG_HOME/atelier/pbm.json when XDG_CONFIG_HOME
                         is set, else ~/.config/atelier/pbm.json

        Config file (optional, JSON; both settings optional):
          {"server": "10.0.0.5:9110", "token": "..."}
          A config file that pbm cannot read or understand is a usage error (exit 2), naming the file.

        Exit codes:
          0    success (a sweep whose trials failed is still a success for pbm)
          1    failure: the coordinator is unreachable, answered an error or refused the request (e.g.
               pausing a paused sweep), or the sweep, member or worker was not found
          2    usage error: unknown command or option, an invalid ADDRESS or ID, a missing or invalid
               spec file, or a bad config file; nothing was sent
          130  interrupted (Ctrl+C)

        """;
}
