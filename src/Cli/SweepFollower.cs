using Atelier.Contracts.Api;

namespace Atelier.Cli;

/// <summary>
/// Follows a sweep through its event stream until it has finished, reconnecting (with back-off)
/// when the connection drops — e.g. while the coordinator restarts. Never polls the whole sweep.
/// </summary>
internal sealed class SweepFollower(CommandContext context, CoordinatorClient client, string id)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    /// <summary>Calls <paramref name="onUpdate"/> for every update; returns the final one, or the error that ended it.</summary>
    public async Task<(SweepUpdate? Final, ClientError? Error)> FollowAsync(Action<SweepDto> onUpdate, CancellationToken ct)
    {
        var connectedOnce = false;
        var backoff = TimeSpan.FromSeconds(1);
        while (true)
        {
            await foreach (var item in SweepEventReader.ReadAsync(client.Http, id, ct))
            {
                if (item.Error is { } error) return (null, error);
                connectedOnce = true;
                backoff = TimeSpan.FromSeconds(1);
                onUpdate(item.Sweep!);
                if (item.Sweep!.Status != SweepStatus.Running) return (item, null);
            }

            if (!connectedOnce)
            {
                // Never reached: report it the same way as every other command does.
                var probe = await client.GetAsync(id, history: false, ct);
                if (probe.Error is { } error) return (null, error);
                if (probe.Value!.Status != SweepStatus.Running) return (new SweepUpdate(probe.Value, probe.Json, null), null);
            }
            context.Error($"lost the connection to the coordinator at {ServerAddress.Display(client.Server)}; reconnecting in {backoff.TotalSeconds:0} s (Ctrl+C stops)");
            await Task.Delay(backoff, ct);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }
}
