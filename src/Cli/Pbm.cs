using System.Reflection;

namespace Atelier.Cli;

/// <summary>The <c>pbm</c> command line as a method: parse, dispatch, and turn every failure into one line and an exit code.</summary>
public static class Pbm
{
    /// <summary>pbm's version, e.g. <c>1.0.0</c>.</summary>
    public static string Version { get; } = ReadVersion();

    /// <summary><c>pbm --help</c>, <c>pbm help TOPIC</c>, <c>pbm TOPIC --help</c>.</summary>
    internal static readonly PbmCommand HelpCommand = new("", "help", (context, _) => Task.FromResult(PrintHelp(context.Out, context.Command.HelpTopic)))
    {
        Summary = "", // not in the table: help describes these three itself
        About = "",
        Local = true,
    };

    /// <summary><c>pbm --version</c>.</summary>
    internal static readonly PbmCommand VersionCommand = new("", "version", (context, _) => Task.FromResult(PrintVersion(context.Out)))
    {
        Summary = "",
        About = "",
        Local = true,
    };

    /// <summary><c>pbm HOST:PORT</c> alone: the interactive prompt.</summary>
    internal static readonly PbmCommand PromptCommand = new("", "prompt", Cli.PromptCommand.RunAsync)
    {
        Summary = "",
        About = "",
    };

    /// <summary>Runs <c>pbm</c> with <paramref name="args"/>; returns the exit code (see <c>pbm --help</c>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, PbmHost? host = null,
        CancellationToken cancellationToken = default)
    {
        host ??= new PbmHost();
        var parsed = CommandLine.Parse(args, host.GetEnvironmentVariable, () => PbmConfig.Load(host));
        if (parsed is UsageError usage)
        {
            stderr.WriteLine($"pbm: {usage.Message}");
            return ExitCodes.Usage;
        }
        return await ExecuteAsync((ParsedCommand)parsed, stdout, stderr, host, cancellationToken);
    }

    /// <summary>Runs one parsed command (the prompt runs each of its lines here); returns its exit code.</summary>
    internal static async Task<int> ExecuteAsync(ParsedCommand command, TextWriter stdout, TextWriter stderr, PbmHost host,
        CancellationToken cancellationToken)
    {
        var context = new CommandContext(command, stdout, stderr, host);
        try
        {
            return await command.Command.Run(context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            context.Error("interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            // Never a stack trace: one line that can be reported.
            context.Error($"unexpected error: {e.GetType().Name}: {Format.Truncate(e.Message, 300)} (please report this)");
            return ExitCodes.Failure;
        }
    }

    private static int PrintHelp(TextWriter stdout, string topic)
    {
        stdout.Write(Usage.For(topic).ReplaceLineEndings());
        return ExitCodes.Ok;
    }

    private static int PrintVersion(TextWriter stdout)
    {
        stdout.WriteLine($"pbm {Version}");
        return ExitCodes.Ok;
    }

    private static string ReadVersion()
    {
        var assembly = typeof(Pbm).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "0.0.0";
        var plus = version.IndexOf('+');
        return plus >= 0 ? version[..plus] : version;
    }
}
