using Atelier.Contracts.Api;

namespace Atelier.Cli;

/// <summary>What a command handler works with: the parsed command, the outputs, and the coordinator.</summary>
internal sealed class CommandContext(ParsedCommand command, TextWriter stdout, TextWriter stderr, PbmHost host)
{
    public ParsedCommand Command => command;

    public TextWriter Out => stdout;

    public TextWriter Err => stderr;

    public PbmHost Host => host;

    public Styler Styler { get; } = new(host.ColorOutput);

    public CoordinatorClient CreateClient() => new(command.Server, host.Handler, command.Token);

    /// <summary>The command's ID operand, or null after saying why it is not a sweep id.</summary>
    public string? SweepIdArgument()
    {
        var id = command.Argument!;
        if (SweepId.IsValid(id)) return id;
        Error(SweepId.Invalid(id));
        return null;
    }

    /// <summary>One line on stderr, prefixed with <c>pbm:</c>.</summary>
    public void Error(string message) => stderr.WriteLine($"pbm: {message}");

    /// <summary>The server's JSON on stdout, exactly as it came, with one final newline.</summary>
    public void WriteJson(string json) => stdout.WriteLine(json.TrimEnd());

    /// <summary>
    /// How a command that prints one coordinator answer ends: the error (exit 1); with <c>--json</c> the
    /// coordinator's JSON as it came; else <paramref name="write"/>'s text (exit 0).
    /// </summary>
    public int Show<T>(ApiResult<T> result, Action<T> write) where T : class
    {
        if (result.Error is { } error) return Fail(error);
        if (Command.Json) WriteJson(result.Json);
        else write(result.Value!);
        return ExitCodes.Ok;
    }

    /// <summary>Prints a client error and each of its details; <paramref name="file"/> prefixes spec details.</summary>
    public int Fail(ClientError error, string? file = null)
    {
        Error(error.Message);
        foreach (var detail in error.Details ?? [])
            stderr.WriteLine(DetailLine(detail, file));
        return ExitCodes.Failure;
    }

    /// <summary><c>FILE:line N: field: message</c>, or <c>  line N: field: message</c> without a file.</summary>
    public static string DetailLine(ApiErrorDetail detail, string? file) => DetailLine(detail.Field, detail.Message, detail.Line, file);

    /// <inheritdoc cref="DetailLine(ApiErrorDetail, string?)"/>
    public static string DetailLine(string field, string message, int? line, string? file)
    {
        var text = (field.Length > 0 ? $"{field}: " : "") + message;
        var where = line is { } n ? $"line {n}: " : "";
        return file is null ? $"  {where}{text}" : $"{file}:{where}{(where.Length == 0 ? " " : "")}{text}";
    }
}
