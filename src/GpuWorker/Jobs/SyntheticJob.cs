using System.Text.Json;
using Atelier.Contracts.Jobs;

namespace Atelier.GpuWorker.Jobs;

/// <summary>
/// The <c>synthetic</c> job: a known objective of its parameters (<see cref="SyntheticObjective"/>),
/// reported step by step, with a configurable duration and failure probability. With
/// <c>checkpoint_every</c> it writes <c>checkpoints/step-NNNNNNN.json</c>, and a resumed attempt
/// continues after the newest one in its work directory.
/// </summary>
public sealed class SyntheticJob : IJob
{
    private const string CheckpointDirectory = "checkpoints";

    public JobDefinition Definition => JobCatalog.Synthetic;

    public JobResult Run(JobContext context)
    {
        var p = context.Parameters;
        var finalLoss = SyntheticObjective.Loss(p.Double("x"), p.Double("y"), p.Double("lr"));
        var steps = p.Int("steps");
        var checkpointEvery = p.Int("checkpoint_every");
        var checkpointBytes = p.Long("checkpoint_bytes");
        var stepDelay = TimeSpan.FromSeconds(p.Double("step_seconds"));
        var failProbability = p.Double("fail_probability");
        var nanAtStep = p.Int("nan_at_step");
        // Each attempt draws its own failures, so a retry can succeed where the last attempt failed.
        var random = new Random(HashCode.Combine(p.Long("seed"), context.Attempt));

        var first = context.Resume ? LatestCheckpoint(context.WorkDirectory) + 1 : 1;
        for (var step = first; step <= steps; step++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            if (stepDelay > TimeSpan.Zero && context.Cancellation.WaitHandle.WaitOne(stepDelay))
                context.Cancellation.ThrowIfCancellationRequested();
            if (failProbability > 0 && random.NextDouble() < failProbability)
                throw new InvalidOperationException($"synthetic failure at step {step} (fail_probability {failProbability})");

            var loss = nanAtStep > 0 && step >= nanAtStep ? double.NaN : SyntheticObjective.LossAtStep(finalLoss, step, steps);
            context.Reporter.Metrics(step, new Dictionary<string, double> { ["loss"] = loss });
            if (checkpointEvery > 0 && step % checkpointEvery == 0)
            {
                var dir = Path.Combine(context.WorkDirectory, CheckpointDirectory);
                Directory.CreateDirectory(dir);
                var file = Path.Combine(dir, $"step-{step:D7}.json");
                WriteCheckpoint(file, step, checkpointBytes);
                context.Reporter.Checkpoint(step, file);
            }
        }
        // devices: what the slot reserved for this trial, so a sweep can see that resources.gpus was honoured.
        return new JobResult(new Dictionary<string, double> { ["loss"] = finalLoss, ["devices"] = Math.Max(1, context.Devices?.Count ?? 1) });
    }

    /// <summary>
    /// <c>{"step":N}</c>, or with <paramref name="bytes"/> &gt; 0 <c>{"step":N,"padding":"BASE64"}</c> of about that size:
    /// pseudo-random bytes seeded by the step, so no two checkpoints are alike (the store keeps identical bytes once).
    /// </summary>
    private static void WriteCheckpoint(string file, int step, long bytes)
    {
        if (bytes <= 0)
        {
            File.WriteAllText(file, JsonSerializer.Serialize(new { step }));
            return;
        }
        using var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var head = System.Text.Encoding.ASCII.GetBytes($"{{\"step\":{step},\"padding\":\"");
        stream.Write(head);
        var random = new Random(step);
        var raw = new byte[3 << 16];
        var text = new byte[4 << 16];
        for (var left = Math.Max(0, bytes - head.Length - 2); left > 0; left -= text.Length)
        {
            random.NextBytes(raw);
            System.Buffers.Text.Base64.EncodeToUtf8(raw, text, out _, out var written);
            stream.Write(text, 0, (int)Math.Min(written, left));
        }
        stream.Write("\"}"u8);
    }

    /// <summary>The step of the newest readable checkpoint, or 0.</summary>
    private static int LatestCheckpoint(string workDirectory)
    {
        var dir = Path.Combine(workDirectory, CheckpointDirectory);
        if (!Directory.Exists(dir)) return 0;
        foreach (var file in Directory.GetFiles(dir, "step-*.json").OrderDescending(StringComparer.Ordinal))
        {
            try
            {
                using var stream = File.OpenRead(file);
                using var doc = JsonDocument.Parse(stream);
                return doc.RootElement.GetProperty("step").GetInt32();
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException)
            {
                // A damaged checkpoint: fall back to the one before it.
            }
        }
        return 0;
    }
}
