
namespace Atelier.Cli;

/// <summary><c>pbm sweep cancel ID</c>: cancels a sweep and shows what it became.</summary>
internal static class SweepCancelCommand
{
    /// <summary><c>pbm sweep cancel</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("sweep", "cancel", RunAsync)
    {
        Operands = [new("ID", "missing the sweep ID to cancel (see pbm sweep list)")],
        Summary = "stop a sweep: pending trials are cancelled, running ones stopped",
        About = """
        stop a sweep. Pending trials are cancelled, running trials are told to stop
        (their slots cancel the job promptly); completed results are kept.
        """,
        Details = """
        A sweep that has already finished or was already cancelled is left as it is (exit 1).

        Options:
          --json   print the coordinator's JSON (the cancelled sweep) only
        """,
    };

    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        if (context.SweepIdArgument() is not { } id) return ExitCodes.Usage;

        using var client = context.CreateClient();
        return context.Show(await client.CancelAsync(id, ct), sweep =>
            context.Out.WriteLine($"cancelled sweep {id}: {sweep.Counts.Completed} completed trials kept, {sweep.Counts.Cancelled} cancelled, {sweep.Counts.Running} still stopping"));
    }
}
