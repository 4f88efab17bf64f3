using System.Globalization;
using Akka.Actor;
using Atelier.Contracts.Api;
using Atelier.GpuWorker.Artifacts;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;
using static Atelier.GpuWorker.Slots.SlotMessages;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.GpuWorker.Slots;

/// <summary>
/// Readies this node for one attempt of a trial, off the slot's thread: gives it a directory of its own under
/// <paramref name="root"/>, removes what earlier attempts left, restores the newest stored checkpoint that arrives intact
/// (falling back to older ones, then to a fresh start) and brings the trial's inputs into the node's input cache. What it
/// did goes to <paramref name="slot"/> as <see cref="Note"/>s, for the log.
/// </summary>
internal sealed class TrialPreparation(ArtifactTransfer transfer, string root, string inputCache, IActorRef slot)
{
    private const string AttemptPrefix = "attempt-";

    /// <summary>The trial's parameters (inputs as local paths) and the step the job resumes after (-1: from scratch).</summary>
    public sealed record Prepared(IReadOnlyDictionary<string, ParamValue> Parameters, long ResumedFrom);

    /// <summary>
    /// Where an attempt's job works: <c>ROOT/SWEEP/trial-NNNNN/attempt-N</c>, shared with no other attempt
    /// (docs/architecture.md, "A trial's history: the contract", rule 4).
    /// </summary>
    public string WorkDirectory(SweepId sweep, int trial, int attempt) => Path.Combine(TrialDirectory(sweep, trial), AttemptPrefix + attempt);

    private string TrialDirectory(SweepId sweep, int trial) => Path.Combine(root, sweep.Value, $"trial-{trial:D5}");

    /// <exception cref="InputUnavailableException">An input could not be brought to this node.</exception>
    public async Task<Prepared> PrepareAsync(AssignTrial a, CancellationToken ct)
    {
        // An attempt starts from a checkpoint the sweep gave it, or from scratch; never from files an earlier attempt on
        // this node wrote: those can be newer than what the sweep recorded (their metrics went to a coordinator that then
        // died, or their upload failed), and resuming from them would leave steps the sweep never heard of. Such an
        // attempt may even be running still, hence a directory of its own rather than a cleared one.
        var workDirectory = WorkDirectory(a.SweepId, a.TrialIndex, a.Attempt);
        RemoveEarlierAttempts(a, workDirectory);
        var resumedFrom = await RestoreCheckpointAsync(a, workDirectory, ct);
        return new Prepared(await ResolveInputsAsync(a, ct), resumedFrom);
    }

    /// <summary>
    /// Deletes the trial's directories of earlier attempts on this node, anything else in the trial's directory (a layout
    /// from before attempts had their own), and this attempt's own directory should it exist. A later attempt's directory
    /// stays: this attempt may be a stale one, started after the later one had prepared. Best effort for earlier
    /// attempts, which may still be writing as they stop: what they leave goes next time.
    /// </summary>
    private void RemoveEarlierAttempts(AssignTrial a, string workDirectory)
    {
        var trialDirectory = TrialDirectory(a.SweepId, a.TrialIndex);
        if (!Directory.Exists(trialDirectory)) return;
        foreach (var entry in new DirectoryInfo(trialDirectory).EnumerateFileSystemInfos())
        {
            if (AttemptOf(entry.Name) > a.Attempt) continue;
            try
            {
                if (entry is DirectoryInfo directory) directory.Delete(recursive: true);
                else entry.Delete();
                slot.Tell(new Note($"{a.SweepId} trial {a.TrialIndex}: removed {entry.Name}, left by an earlier attempt", false));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                slot.Tell(new Note($"{a.SweepId} trial {a.TrialIndex}: could not remove {entry.Name}, left by an earlier attempt: {e.Message}", true));
            }
        }
        if (Directory.Exists(workDirectory)) throw new IOException($"{workDirectory} could not be cleared for attempt {a.Attempt}");
    }

    /// <summary>N for an <c>attempt-N</c> directory, 0 for anything else.</summary>
    private static int AttemptOf(string name) =>
        name.StartsWith(AttemptPrefix, StringComparison.Ordinal) && int.TryParse(name.AsSpan(AttemptPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>
    /// The trial's parameters with each input given by hash (<c>sha256:HEX</c>) replaced by the path of its copy in this
    /// node's input cache, fetched from the store unless a verified copy is there already.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, ParamValue>> ResolveInputsAsync(AssignTrial a, CancellationToken ct)
    {
        var inputs = SpecInputs.InputParameters(a.Job);
        var resolved = new Dictionary<string, ParamValue>(a.Parameters);
        foreach (var (name, value) in a.Parameters)
        {
            if (!inputs.Contains(name) || value.Kind != Contracts.Jobs.ParamType.String || SpecInputs.HashOf(value.AsString()) is not { } sha) continue;
            try
            {
                var (path, cached) = await transfer.FetchInputAsync(a.SweepId, sha, inputCache, ct);
                slot.Tell(new Note($"{a.SweepId} trial {a.TrialIndex}: input {name} sha256:{sha} {(cached ? "found in this node's cache" : "fetched from the store")}", false));
                resolved[name] = ParamValue.Of(path);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                throw new InputUnavailableException($"input {name} = sha256:{sha} could not be fetched: {e.Message}");
            }
        }
        return resolved;
    }

    /// <summary>
    /// Downloads the newest stored checkpoint that arrives intact, falling back to older ones; returns its step, or -1
    /// when none arrived (the job starts from scratch).
    /// </summary>
    private async Task<long> RestoreCheckpointAsync(AssignTrial a, string workDirectory, CancellationToken ct)
    {
        if (a.Checkpoints is not { Count: > 0 } checkpoints) return -1;
        foreach (var checkpoint in checkpoints)
        {
            try
            {
                var error = await transfer.DownloadAsync(a.SweepId, checkpoint, workDirectory, ct);
                if (error is null)
                {
                    slot.Tell(new Note($"{a.SweepId} trial {a.TrialIndex}: resuming from checkpoint {checkpoint.FileName} (step {checkpoint.Step})", false));
                    return checkpoint.Step;
                }
                slot.Tell(new Note($"{a.SweepId} trial {a.TrialIndex}: checkpoint {checkpoint.FileName} refused ({error}); trying an older one", true));
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                slot.Tell(new Note($"{a.SweepId} trial {a.TrialIndex}: fetching checkpoint {checkpoint.FileName} failed: {e.Message}", true));
            }
        }
        return -1;
    }
}

/// <summary>An input of the trial could not be brought to this node: the attempt fails with this message.</summary>
internal sealed class InputUnavailableException(string message) : Exception(message);
