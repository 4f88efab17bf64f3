using Akka.Actor;
using Atelier.Contracts.Api;
using Atelier.GpuWorker.Artifacts;
using static Atelier.GpuWorker.Slots.SlotMessages;

namespace Atelier.GpuWorker.Slots;

/// <summary>
/// A slot's uploads of the files its jobs write, one after another and off the actor thread. Each waits for its gate
/// first (for a checkpoint, the sweep's acknowledgement of the metrics up to its step); what went wrong goes to
/// <paramref name="slot"/> as a <see cref="Note"/>. Its slot's state: called on the slot's thread only.
/// </summary>
internal sealed class UploadQueue(ArtifactTransfer transfer, IActorRef slot)
{
    private Task _tail = Task.CompletedTask;

    /// <summary>
    /// Queues the upload of <paramref name="file"/> (inside <paramref name="workDirectory"/>) as of <paramref name="step"/>,
    /// once <paramref name="gate"/> completes; a cancelled gate means the file is no resume point and is not uploaded.
    /// </summary>
    public void Enqueue(JobFile file, long step, string workDirectory, Task gate)
    {
        var run = file.Run;
        _tail = _tail.ContinueWith(async _ =>
        {
            try
            {
                await gate;
                var error = await transfer.UploadAsync(run.SweepId, run.TrialIndex, run.Attempt, file.Kind, step, workDirectory, file.Path, CancellationToken.None);
                if (error is not null) slot.Tell(new Note($"{file.Kind} {file.Path} not stored: {error}", true));
            }
            catch (OperationCanceledException) when (gate.IsCanceled)
            {
                slot.Tell(new Note($"{file.Kind} {file.Path} not uploaded: the attempt ended before the sweep acknowledged the metrics up to its step", true));
            }
            catch (Exception e)
            {
                slot.Tell(new Note($"{file.Kind} {file.Path} not stored: {e.Message}", true));
            }
        }, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Completes when the uploads queued so far are done, or after <paramref name="atMost"/>; complete already when none is left.</summary>
    public Task WhenDone(TimeSpan atMost) => _tail.IsCompleted ? _tail : Task.WhenAny(_tail, Task.Delay(atMost));
}
