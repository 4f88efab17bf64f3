namespace Atelier.GpuWorker.Slots;

/// <summary>Timing and place of a slot's work.</summary>
public sealed record SlotSettings(string WorkDirectory)
{
    /// <summary>Where inputs fetched by content hash are kept for every trial on this node (<c>sha256/ab/abcdef…</c>).</summary>
    public string InputCacheDirectory { get; init; } = Path.Combine(WorkDirectory, ".inputs");

    /// <summary>An idle slot repeats its request this often, in case the broker lost it (e.g. moved).</summary>
    public TimeSpan RequestInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Metrics are batched and sent this often; an empty batch is the lease heartbeat.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A trial's result waits at most this long for the uploads of the files its job reported.</summary>
    public TimeSpan UploadWait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>An unacknowledged trial result is re-sent this often.</summary>
    public TimeSpan ResendInterval { get; init; } = TimeSpan.FromSeconds(3);
}
