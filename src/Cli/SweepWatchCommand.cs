
namespace Atelier.Cli;

/// <summary>
/// <c>pbm sweep watch ID</c>: a live view from the coordinator's event stream, redrawn on each
/// update on a terminal (one line per update otherwise), until the sweep ends. Survives a
/// coordinator restart by reconnecting.
/// </summary>
internal static class SweepWatchCommand
{
    /// <summary><c>pbm sweep watch</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("sweep", "watch", RunAsync)
    {
        Operands = [new("ID", "missing the sweep ID to watch (see pbm sweep list)")],
        Summary = "live progress (trials, best, running trials, ETA) until it ends",
        About = """
        follow a sweep live until it ends: trials by state with a progress bar and an
        ETA, the best trial so far, and each running trial's step, progress and latest metric.
        """,
        Details = """
        Updates come from the coordinator's event stream (no polling); if the connection drops,
        e.g. while the coordinator restarts, pbm reconnects. On a terminal the view is redrawn;
        otherwise one line is printed per update. At the end the results table is printed.

        Options:
          --json   print only the final sweep as JSON when it ends
        """,
    };

    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        if (context.SweepIdArgument() is not { } id) return ExitCodes.Usage;

        using var client = context.CreateClient();
        var redraw = context.Host.ColorOutput && !context.Command.Json;
        try
        {
            var (final, error) = await new SweepFollower(context, client, id).FollowAsync(sweep =>
            {
                if (context.Command.Json) return;
                if (redraw)
                {
                    // Home and clear, then draw: a live view without scrolling.
                    context.Out.Write("\u001b[H\u001b[2J");
                    WatchView.Write(sweep, DateTimeOffset.Now, context.Out, context.Styler);
                }
                else
                {
                    context.Out.WriteLine(WatchView.Line(sweep, DateTimeOffset.Now));
                }
                context.Out.Flush();
            }, ct);
            if (error is not null) return context.Fail(error);

            if (context.Command.Json)
                context.WriteJson(final!.Json);
            else
            {
                context.Out.WriteLine();
                SweepShowCommand.Write(final!.Sweep!, context.Out, context.Styler, context.Host.TimeZone);
            }
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            context.Error($"stopped watching; sweep {id} keeps running on the coordinator");
            return ExitCodes.Interrupted;
        }
    }
}
