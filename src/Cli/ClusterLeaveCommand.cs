namespace Atelier.Cli;

/// <summary><c>pbm cluster leave ADDRESS</c>: asks a member to leave the cluster gracefully.</summary>
internal static class ClusterLeaveCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        using var client = context.CreateClient();
        return context.Show(await client.LeaveAsync(context.Command.Argument!, ct), leave =>
            context.Out.WriteLine($"{leave.Message}: it hands its work over, then leaves (follow it with pbm cluster show)"));
    }
}
