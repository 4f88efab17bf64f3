using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Cluster;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Api;

namespace Atelier.Coordinator.Artifacts;

/// <summary>
/// Deletes the store's files that no sweep refers to any more: checkpoints that retention dropped
/// (<c>checkpoints: {keep_last, keep_best}</c>), uploaded inputs no sweep names, abandoned temporary files. Mark and sweep:
/// every sweep in the journal is asked for its artifacts and the inputs its spec names (<c>sha256:…</c>); if any sweep
/// cannot be read, nothing is deleted this round. Files younger than the grace period stay, whatever refers to them:
/// a checkpoint is in the store a moment before its sweep records it, and an input before the sweep that names it is
/// submitted. Only the oldest coordinator collects, so coordinators sharing a volume do not race.
/// </summary>
public sealed partial class ArtifactCollector(
    ActorSystem system, SweepService sweeps, ArtifactStore store, ArtifactCollectorSettings settings, ILogger<ArtifactCollector> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!IsOldestCoordinator()) continue;
            try
            {
                var result = await CollectAsync(stoppingToken);
                // One line a round, so that a round can be seen to have happened (the chaos harness waits for it).
                log.LogInformation("artifact collector: deleted {Files} unreferenced files ({Bytes} bytes); {Live} referenced", result.Deleted, result.Bytes, result.Live);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning("artifact collector: nothing deleted this round: {Error}", e.Message);
            }
        }
    }

    /// <summary>One round: what is referenced, then what is deleted. Throws (deleting nothing) when a sweep cannot be read.</summary>
    public async Task<CollectResult> CollectAsync(CancellationToken ct)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in await sweeps.AllIdsAsync(ct))
        {
            var sweep = await sweeps.GetAsync(new SweepId(id), false, ct)
                        ?? throw new InvalidOperationException($"sweep {id} is in the journal but did not answer");
            foreach (var trial in sweep.Trials)
                foreach (var artifact in trial.Artifacts ?? [])
                    live.Add(artifact.Sha256);
            foreach (Match m in InputReference().Matches(sweep.SpecYaml)) live.Add(m.Groups[1].Value);
        }
        return Sweep(store, live, DateTime.UtcNow - settings.Grace);
    }

    /// <summary>
    /// Deletes every stored file not in <paramref name="live"/> last written before <paramref name="cutoff"/>, and every
    /// temporary file no upload is using (untouched for <see cref="ArtifactStore.TempFileIdle"/>, whatever the grace
    /// period: an upload in progress writes or touches its file, and nothing refers to a temporary file).
    /// </summary>
    public static CollectResult Sweep(ArtifactStore store, IReadOnlySet<string> live, DateTime cutoff)
    {
        int deleted = 0;
        long bytes = 0;
        var abandoned = DateTime.UtcNow - ArtifactStore.TempFileIdle;
        foreach (var (dir, before) in new[] { (Path.Combine(store.Root, "sha256"), cutoff), (Path.Combine(store.Root, "tmp"), abandoned) })
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var file in new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories))
            {
                if (live.Contains(file.Name) || file.LastWriteTimeUtc >= before) continue;
                try
                {
                    var size = file.Length;
                    file.Delete();
                    deleted++;
                    bytes += size;
                }
                catch (IOException)
                {
                    // Gone already (another coordinator's round) or in use: the next round sees it again.
                }
            }
        }
        return new CollectResult(live.Count, deleted, bytes);
    }

    private bool IsOldestCoordinator()
    {
        var cluster = Cluster.Get(system);
        var oldest = cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(ClusterNames.CoordinatorRole))
            .Aggregate((Member?)null, (a, m) => a is null || m.IsOlderThan(a) ? m : a);
        return oldest is not null && oldest.Address == cluster.SelfAddress;
    }

    [GeneratedRegex("sha256:([0-9a-f]{64})")]
    private static partial Regex InputReference();
}

public static class ArtifactCollectorHosting
{
    /// <summary>Runs the collector in the coordinator (needs the <see cref="ArtifactStore"/> and <see cref="SweepService"/> services).</summary>
    public static IServiceCollection AddArtifactCollector(this IServiceCollection services, Hosting.CoordinatorSettings settings) =>
        services.AddSingleton(settings.ArtifactCollector).AddSingleton<ArtifactCollector>()
            .AddHostedService(sp => sp.GetRequiredService<ArtifactCollector>());
}

/// <summary>How often the collector runs, and how old an unreferenced file must be to go.</summary>
public sealed record ArtifactCollectorSettings(TimeSpan Interval, TimeSpan Grace);

/// <summary>What one round found: referenced hashes, files deleted and their bytes.</summary>
public sealed record CollectResult(int Live, int Deleted, long Bytes);
