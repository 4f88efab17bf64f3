using System.Reflection;

namespace Atelier.Cli;

/// <summary>The <c>pbm</c> command line as a method: parse, dispatch, and turn every failure into one line and an exit code.</summary>
public static class Pbm
{
    /// <summary>pbm's version, e.g. <c>1.0.0</c>.</summary>
    public static string Version { get; } = ReadVersion();

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
            return command.Kind switch
            {
                CommandKind.Help => Help(stdout, command.HelpTopic),
                CommandKind.Version => PrintVersion(stdout),
                CommandKind.CompletionBash => CompletionScript.Write(stdout, "bash"),
                CommandKind.CompletionZsh => CompletionScript.Write(stdout, "zsh"),
                CommandKind.Prompt => await PromptCommand.RunAsync(context, cancellationToken),
                CommandKind.SweepSubmit => await SweepSubmitCommand.RunAsync(context, cancellationToken),
                CommandKind.SweepList => await SweepListCommand.RunAsync(context, cancellationToken),
                CommandKind.SweepShow => await SweepShowCommand.RunAsync(context, cancellationToken),
                CommandKind.SweepWatch => await SweepWatchCommand.RunAsync(context, cancellationToken),
                CommandKind.SweepCancel => await SweepCancelCommand.RunAsync(context, cancellationToken),
                CommandKind.SweepPause => await SweepControlCommand.PauseAsync(context, cancellationToken),
                CommandKind.SweepResume => await SweepControlCommand.ResumeAsync(context, cancellationToken),
                CommandKind.SweepExtend => await SweepExtendCommand.RunAsync(context, cancellationToken),
                CommandKind.SweepLogs => await SweepLogsCommand.RunAsync(context, cancellationToken),
                CommandKind.SweepArtifacts => await SweepArtifactsCommand.RunAsync(context, cancellationToken),
                CommandKind.SweepReport => await SweepReportCommand.RunAsync(context, cancellationToken),
                CommandKind.ClusterShow => await ClusterShowCommand.RunAsync(context, cancellationToken),
                CommandKind.ClusterLeave => await ClusterLeaveCommand.RunAsync(context, cancellationToken),
                CommandKind.ClusterDown => await ClusterDownCommand.RunAsync(context, cancellationToken),
                CommandKind.WorkerList => await WorkerListCommand.RunAsync(context, cancellationToken),
                CommandKind.WorkerDrain => await WorkerDrainCommand.RunAsync(context, cancellationToken),
                _ => throw new InvalidOperationException($"no handler for {command.Kind}"),
            };
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

    private static int Help(TextWriter stdout, string topic)
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
