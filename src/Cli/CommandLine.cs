using Atelier.Contracts.Text;

namespace Atelier.Cli;

/// <summary>The outcome of parsing the command line: a command, or a usage error.</summary>
internal abstract record ParseResult;

/// <summary>A well-formed command.</summary>
/// <param name="Server">The coordinator's base URL (ends with '/').</param>
/// <param name="Argument">FILE for submit, ID for show and extend, ADDRESS for leave, down and drain.</param>
/// <param name="Command">The command to run: one of <see cref="CommandCatalog.All"/>, or help, version or the prompt (<see cref="Pbm"/>).</param>
/// <param name="HelpTopic">For help: "", "sweep", "sweep submit", …</param>
/// <param name="Token">The API token: <c>ATELIER_TOKEN</c>, else the config file's; null for none.</param>
/// <param name="OperandList">Every operand (<see cref="Argument"/> is the first), e.g. ID and TRIAL for <c>sweep artifacts</c>.</param>
/// <param name="Out">The directory of <c>--out DIR</c>.</param>
/// <param name="DryRun"><c>--dry-run</c> of <c>sweep submit</c> and <c>sweep extend</c>: show the trials, send nothing.</param>
/// <param name="Metrics"><c>--metrics a,b</c> or <c>--all-metrics</c> of <c>sweep show</c>; null for its default columns.</param>
/// <param name="Views"><c>--views TRIAL</c> of <c>sweep report</c>: the trial whose layer views the report shows; null for the best.</param>
internal sealed record ParsedCommand(
    PbmCommand Command,
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
        var options = new OptionValues();
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
            if (CommandOptions.All.FirstOrDefault(o => o.IsNamed(name)) is not { } option)
            {
                error ??= $"unknown option '{arg}'";
                continue;
            }
            if (!options.Given.Contains(option)) options.Given.Add(option);

            // Applied even after an error, so that a later --help still shows help.
            var problem = option.Value is not null
                ? option.Apply(options, inline ?? (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null))
                : option.Apply(options, null) ?? (inline is null ? null : $"option {name} takes no value (remove '={inline}')");
            error ??= problem;
        }

        // Petabridge.Cmd's pbm HOST:PORT alone: an interactive prompt against that server.
        var prompt = session is null && positionals.Count == 0 && (serverArgument ?? options.Server) is not null
            && options.Given.All(o => o == CommandOptions.Server) && error is null;

        var (command, topic, operands, commandError) = prompt
            ? (Pbm.PromptCommand, "", new List<string>(), (string?)null)
            : ResolveCommand(positionals, inPrompt: session is not null);
        if (options.Help || command == Pbm.HelpCommand)
            return new ParsedCommand(Pbm.HelpCommand, ServerAddress.Default, HelpTopic: topic);
        if (options.Version)
            return new ParsedCommand(Pbm.VersionCommand, ServerAddress.Default);

        error ??= commandError ?? MisplacedOption(command!, options) ?? command!.CheckOperands(operands);
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

        var server = ResolveServer(options.Server, serverArgument, session, environment, settings, out var serverError);
        if (server is null)
            return Failure(serverError!, topic);

        return new ParsedCommand(command!, server, options.Json, operands.FirstOrDefault(), options.Wait, topic, token, operands,
            options.Out, options.DryRun, options.Metrics, options.Views);
    }

    /// <summary>The first option given that <paramref name="command"/> does not take, or two that do not go together.</summary>
    private static string? MisplacedOption(PbmCommand command, OptionValues options)
    {
        foreach (var option in CommandOptions.All.Where(o => options.Given.Contains(o) && !CommandOptions.IsGlobal(o)))
        {
            if (command.OwnOptions.Contains(option)) continue;
            var takers = CommandCatalog.All.Where(c => c.OwnOptions.Contains(option)).Select(c => $"pbm {c.Topic}").ToList();
            return $"option {option.Name} is only for {CommandCatalog.And(takers)}";
        }
        return options is { DryRun: true, Wait: true }
            ? "options --dry-run and --wait do not go together: a dry run submits nothing to wait for"
            : null;
    }

    private static UsageError Failure(string error, string topic) =>
        new($"{error}. Usage: {Usage.Synopsis(topic)} (more: {Usage.HelpCommand(topic)})");

    /// <summary>Which command the positional words name, the help topic they reach, and what is left over.</summary>
    private static (PbmCommand? Command, string Topic, List<string> Operands, string? Error) ResolveCommand(List<string> words, bool inPrompt)
    {
        if (words.Count == 0)
            return (null, "", [], inPrompt ? "no command given" : "no command given (give HOST:PORT alone for an interactive prompt)");

        if (words[0] == "help")
        {
            var topic = string.Join(' ', words.Skip(1));
            return Usage.Topics.Contains(topic)
                ? (Pbm.HelpCommand, topic, [], null)
                : (null, "", [], $"no help for '{topic}': the palettes are {CommandCatalog.And(CommandCatalog.Palettes)}, e.g. pbm help cluster down");
        }

        var palette = words[0];
        if (!CommandCatalog.Palettes.Contains(palette))
            return (null, "", [], $"unknown command '{palette}'{NearMiss.Suggest(palette, [.. CommandCatalog.Palettes, "help"])}");

        var commands = CommandCatalog.CommandsOf(palette);
        if (words.Count == 1)
            return (null, palette, [], $"missing the {palette} command: {CommandCatalog.Or(commands)}");

        return CommandCatalog.Find(palette, words[1]) is { } command
            ? (command, command.Topic, words.Skip(2).ToList(), null)
            : (null, palette, [], $"unknown {palette} command '{words[1]}'{NearMiss.Suggest(words[1], commands)}");
    }

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
