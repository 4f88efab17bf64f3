using Atelier.Shared.Hosting;
using System.Globalization;

namespace Atelier.Cli;

/// <summary>What <c>pbm</c> was asked to do.</summary>
internal enum CommandKind
{
    Help,
    Version,
    Prompt,
    SweepSubmit,
    SweepList,
    SweepShow,
    SweepCancel,
    SweepPause,
    SweepResume,
    SweepExtend,
    SweepLogs,
    SweepWatch,
    SweepArtifacts,
    SweepReport,
    ClusterShow,
    ClusterLeave,
    ClusterDown,
    WorkerList,
    WorkerDrain,
    CompletionBash,
    CompletionZsh,
}

/// <summary>The outcome of parsing the command line: a command, or a usage error.</summary>
internal abstract record ParseResult;

/// <summary>A well-formed command.</summary>
/// <param name="Server">The coordinator's base URL (ends with '/').</param>
/// <param name="Argument">FILE for submit, ID for show and extend, ADDRESS for leave, down and drain.</param>
/// <param name="HelpTopic">For <see cref="CommandKind.Help"/>: "", "sweep", "sweep submit", …</param>
/// <param name="Token">The API token: <c>ATELIER_TOKEN</c>, else the config file's; null for none.</param>
/// <param name="OperandList">Every operand (<see cref="Argument"/> is the first), e.g. ID and TRIAL for <c>sweep artifacts</c>.</param>
/// <param name="Out">The directory of <c>--out DIR</c>.</param>
/// <param name="DryRun"><c>--dry-run</c> of <c>sweep submit</c> and <c>sweep extend</c>: show the trials, send nothing.</param>
/// <param name="Metrics"><c>--metrics a,b</c> or <c>--all-metrics</c> of <c>sweep show</c>; null for its default columns.</param>
/// <param name="Views"><c>--views TRIAL</c> of <c>sweep report</c>: the trial whose layer views the report shows; null for the best.</param>
internal sealed record ParsedCommand(
    CommandKind Kind,
    Uri Server,
    bool Json = false,
    string? Argument = null,
    bool Wait = false,
    string HelpTopic = "",
    string? Token = null,
    IReadOnlyList<string>? OperandList = null,
    string? Out = null,
    bool DryRun = false,
    MetricChoice? Metrics = null,
    int? Views = null) : ParseResult
{
    /// <summary>Every operand (empty when none).</summary>
    public IReadOnlyList<string> Operands => OperandList ?? (Argument is null ? [] : [Argument]);

    /// <summary>The metric columns <c>sweep show</c> prints.</summary>
    public MetricChoice MetricChoice => Metrics ?? MetricChoice.Default;
}

/// <summary>The command line is wrong; <paramref name="Message"/> says how, with a usage hint.</summary>
internal sealed record UsageError(string Message) : ParseResult;

/// <summary>An interactive prompt's server and token: each of its lines is parsed against them.</summary>
internal sealed record PromptSession(Uri Server, string? Token);

/// <summary>
/// Hand-written parsing: global options anywhere, Petabridge.Cmd's <c>pbm HOST:PORT …</c> form,
/// <c>--name value</c> and <c>--name=value</c>, and <c>--</c> to end the options.
/// </summary>
internal static class CommandLine
{
    /// <summary>The environment variable that names the coordinator when <c>--server</c> is not given.</summary>
    public const string ServerVariable = "ATELIER_SERVER";

    /// <summary>The environment variable that holds the API token.</summary>
    public const string TokenVariable = "ATELIER_TOKEN";

    /// <summary>
    /// Parses <paramref name="args"/>. The server comes from <c>--server</c> or a first HOST:PORT, else
    /// <paramref name="session"/>'s (in the prompt), else <c>ATELIER_SERVER</c>, else the config file, else the
    /// default; <paramref name="config"/> is read only for a command that talks to the coordinator.
    /// </summary>
    public static ParseResult Parse(IReadOnlyList<string> args, Func<string, string?> environment,
        Func<ConfigLoad>? config = null, PromptSession? session = null)
    {
        string? serverArgument = null;
        string? serverOption = null;
        bool json = false, help = false, version = false, wait = false, dryRun = false;
        string? outDir = null;
        MetricChoice? metrics = null;
        int? views = null;
        string? error = null;
        var positionals = new List<string>();

        var start = 0;
        if (args.Count > 0 && ServerAddress.LooksLikeServer(args[0]))
        {
            serverArgument = args[0];
            start = 1;
        }

        var optionsEnded = false;
        for (var i = start; i < args.Count; i++)
        {
            var arg = args[i];
            if (optionsEnded || arg == "-" || !arg.StartsWith('-'))
            {
                positionals.Add(arg);
                continue;
            }
            if (arg == "--")
            {
                optionsEnded = true;
                continue;
            }

            var equals = arg.IndexOf('=');
            var name = equals > 0 ? arg[..equals] : arg;
            var inline = equals > 0 ? arg[(equals + 1)..] : null;
            if (name == "--server")
            {
                if (inline is not null)
                    serverOption = inline;
                else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    serverOption = args[++i];
                else
                    error ??= "option --server needs a value, e.g. --server 10.0.0.5:9110";
                continue;
            }

            if (name == "--out")
            {
                if (inline is not null)
                    outDir = inline;
                else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    outDir = args[++i];
                else
                    error ??= "option --out needs a directory, e.g. --out ./trial-3";
                if (outDir is { Length: 0 }) error ??= "option --out needs a directory, e.g. --out ./trial-3";
                continue;
            }

            if (name == "--metrics")
            {
                var list = inline ?? (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null);
                var names = list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
                if (names.Length == 0) error ??= "option --metrics needs metric names, e.g. --metrics test_accuracy,train_loss";
                else if (metrics is { All: true }) error ??= "options --metrics and --all-metrics do not go together";
                else metrics = new MetricChoice(names);
                continue;
            }

            if (name == "--views")
            {
                var value = inline ?? (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null);
                if (string.IsNullOrEmpty(value)) error ??= "option --views needs a trial number, e.g. --views 3";
                else if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var trial))
                    error ??= $"option --views takes a trial number (0 or more, as pbm sweep show lists them), not '{value}'";
                else views = trial;
                continue;
            }

            switch (name)
            {
                case "-h" or "--help": help = true; break;
                case "--all-metrics":
                    if (metrics is { Listed: not null }) error ??= "options --metrics and --all-metrics do not go together";
                    metrics = new MetricChoice(All: true);
                    break;
                case "--json": json = true; break;
                case "--version": version = true; break;
                case "--wait": wait = true; break;
                case "--dry-run": dryRun = true; break;
                default:
                    error ??= $"unknown option '{arg}'";
                    continue;
            }
            if (inline is not null)
                error ??= $"option {name} takes no value (remove '={inline}')";
        }

        // Petabridge.Cmd's pbm HOST:PORT alone: an interactive prompt against that server.
        var prompt = session is null && positionals.Count == 0 && (serverArgument ?? serverOption) is not null
            && !json && !wait && !dryRun && outDir is null && views is null && !help && !version && error is null;

        var (kind, topic, operands, commandError) = prompt
            ? ((CommandKind?)CommandKind.Prompt, "", new List<string>(), (string?)null)
            : ResolveCommand(positionals, inPrompt: session is not null);
        if (help || kind == CommandKind.Help)
            return new ParsedCommand(CommandKind.Help, ServerAddress.Default, HelpTopic: topic);
        if (version)
            return new ParsedCommand(CommandKind.Version, ServerAddress.Default);

        error ??= commandError;
        if (error is null && wait && kind != CommandKind.SweepSubmit)
            error = "option --wait is only for pbm sweep submit";
        if (error is null && dryRun && kind is not (CommandKind.SweepSubmit or CommandKind.SweepExtend))
            error = "option --dry-run is only for pbm sweep submit and pbm sweep extend";
        if (error is null && dryRun && wait)
            error = "options --dry-run and --wait do not go together: a dry run submits nothing to wait for";
        if (error is null && outDir is not null && kind is not (CommandKind.SweepArtifacts or CommandKind.SweepReport))
            error = "option --out is only for pbm sweep artifacts and pbm sweep report";
        if (error is null && views is not null && kind != CommandKind.SweepReport)
            error = "option --views is only for pbm sweep report";
        if (error is null && metrics is not null && kind != CommandKind.SweepShow)
            error = $"option {(metrics.All ? "--all-metrics" : "--metrics")} is only for pbm sweep show";
        error ??= CheckOperands(kind, operands);
        if (error is not null)
            return Failure(error, topic);

        string? token;
        PbmConfig? settings = null;
        if (session is not null)
            token = session.Token;
        else
        {
            var loaded = config?.Invoke() ?? default;
            if (loaded.Error is not null)
                return new UsageError(loaded.Error);
            settings = loaded.Config;
            token = environment(TokenVariable) is { } fromEnvironment && fromEnvironment.Trim().Length > 0
                ? fromEnvironment
                : settings?.Token;
        }

        var server = ResolveServer(serverOption, serverArgument, session, environment, settings, out var serverError);
        if (server is null)
            return Failure(serverError!, topic);

        return new ParsedCommand(kind!.Value, server, json, operands.FirstOrDefault(), wait, topic, token, operands, outDir, dryRun, metrics, views);
    }

    private static UsageError Failure(string error, string topic) =>
        new($"{error}. Usage: {Usage.Synopsis(topic)} (more: {Usage.HelpCommand(topic)})");

    /// <summary>Which command the positional words name, the help topic they reach, and what is left over.</summary>
    private static (CommandKind? Kind, string Topic, List<string> Operands, string? Error) ResolveCommand(List<string> words, bool inPrompt)
    {
        if (words.Count == 0)
            return (null, "", [], inPrompt ? "no command given" : "no command given (give HOST:PORT alone for an interactive prompt)");

        if (words[0] == "help")
        {
            var topic = string.Join(' ', words.Skip(1));
            return Usage.Topics.Contains(topic)
                ? (CommandKind.Help, topic, [], null)
                : (null, "", [], $"no help for '{topic}': the palettes are {CommandCatalog.And(CommandCatalog.Palettes)}, e.g. pbm help cluster down");
        }

        var palette = words[0];
        if (!CommandCatalog.Palettes.Contains(palette))
            return (null, "", [], $"unknown command '{palette}'{NearMiss.Suggest(palette, [.. CommandCatalog.Palettes, "help"])}");

        var commands = CommandCatalog.CommandsOf(palette);
        if (words.Count == 1)
            return (null, palette, [], $"missing the {palette} command: {CommandCatalog.Or(commands)}");

        return CommandCatalog.Find(palette, words[1]) is { } command
            ? (command.Kind, command.Topic, words.Skip(2).ToList(), null)
            : (null, palette, [], $"unknown {palette} command '{words[1]}'{NearMiss.Suggest(words[1], commands)}");
    }

    private static string? CheckOperands(CommandKind? kind, List<string> operands) => kind switch
    {
        CommandKind.SweepSubmit when operands.Count == 0 => "missing the spec FILE to submit",
        CommandKind.SweepShow when operands.Count == 0 => "missing the sweep ID to show (see pbm sweep list)",
        CommandKind.SweepCancel when operands.Count == 0 => "missing the sweep ID to cancel (see pbm sweep list)",
        CommandKind.SweepPause when operands.Count == 0 => "missing the sweep ID to pause (see pbm sweep list)",
        CommandKind.SweepResume when operands.Count == 0 => "missing the sweep ID to resume (see pbm sweep list)",
        CommandKind.SweepExtend when operands.Count == 0 => "missing the sweep ID and the spec FILE to extend it with (see pbm sweep list)",
        CommandKind.SweepExtend when operands.Count == 1 => "missing the spec FILE to extend the sweep with",
        CommandKind.SweepExtend when operands.Count > 2 => $"unexpected argument '{operands[2]}': give one ID and one FILE",
        CommandKind.SweepWatch when operands.Count == 0 => "missing the sweep ID to watch (see pbm sweep list)",
        CommandKind.SweepLogs when operands.Count == 0 => "missing the sweep ID whose log to show (see pbm sweep list)",
        CommandKind.SweepLogs when operands.Count > 2 => $"unexpected argument '{operands[2]}': give one ID and at most one TRIAL",
        CommandKind.SweepReport when operands.Count == 0 => "missing the sweep ID whose report to download (see pbm sweep list)",
        CommandKind.SweepReport when operands.Count > 1 => $"unexpected argument '{operands[1]}': give one ID",
        CommandKind.SweepArtifacts when operands.Count == 0 => "missing the sweep ID and TRIAL whose artifacts to list (see pbm sweep list)",
        CommandKind.SweepArtifacts when operands.Count == 1 => "missing the TRIAL number (see pbm sweep show ID)",
        CommandKind.SweepArtifacts when operands.Count > 2 => $"unexpected argument '{operands[2]}': give one ID and one TRIAL",
        CommandKind.ClusterLeave when operands.Count == 0 => "missing the ADDRESS of the node that should leave (see pbm cluster show)",
        CommandKind.ClusterDown when operands.Count == 0 => "missing the ADDRESS of the node to mark down (see pbm cluster show)",
        CommandKind.WorkerDrain when operands.Count == 0 => "missing the ADDRESS of the worker node to drain (see pbm worker list)",
        CommandKind.SweepSubmit or CommandKind.SweepShow or CommandKind.SweepCancel or CommandKind.SweepWatch
            or CommandKind.SweepPause or CommandKind.SweepResume when operands.Count > 1 =>
            $"unexpected argument '{operands[1]}': give one {(kind == CommandKind.SweepSubmit ? "FILE" : "ID")}",
        CommandKind.ClusterLeave or CommandKind.ClusterDown or CommandKind.WorkerDrain when operands.Count > 1 =>
            $"unexpected argument '{operands[1]}': give one ADDRESS",
        CommandKind.ClusterLeave or CommandKind.ClusterDown when NodeAddress.Problem(operands[0]) is { } problem =>
            $"{problem} (see pbm cluster show)",
        CommandKind.WorkerDrain when NodeAddress.Problem(operands[0]) is { } problem =>
            $"{problem} (see pbm worker list)",
        CommandKind.SweepList or CommandKind.ClusterShow or CommandKind.WorkerList when operands.Count > 0 =>
            $"unexpected argument '{operands[0]}'",
        _ => null,
    };

    private static Uri? ResolveServer(string? option, string? argument, PromptSession? session, Func<string, string?> environment,
        PbmConfig? config, out string? error)
    {
        error = null;
        if (option is not null && argument is not null && !SameServer(option, argument))
        {
            error = $"the server is given twice, as '{argument}' and as --server {option}: give it once";
            return null;
        }

        var (text, source) = option is not null ? (option, $"--server {option}")
            : argument is not null ? (argument, $"'{argument}'")
            : session is not null ? (null, "")
            : environment(ServerVariable) is { Length: > 0 } fromEnvironment
                ? (fromEnvironment, $"{ServerVariable}={fromEnvironment}")
                : (null, "");
        if (text is null)
            return session?.Server ?? config?.Server ?? ServerAddress.Default;
        if (ServerAddress.TryParse(text, out var uri, out var why))
            return uri;
        error = $"{source} {why}";
        return null;
    }

    private static bool SameServer(string a, string b) =>
        ServerAddress.TryParse(a, out var x, out _) && ServerAddress.TryParse(b, out var y, out _) && x == y;
}
