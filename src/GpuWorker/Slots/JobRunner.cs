using Akka.Actor;
using Atelier.Contracts.Api;
using Atelier.GpuWorker.Jobs;
using static Atelier.GpuWorker.Slots.SlotMessages;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.GpuWorker.Slots;

/// <summary>
/// Runs a slot's jobs, each on a thread of its own once its attempt is prepared: a job may block for hours and must
/// never stall the actor. What the job reports goes to <paramref name="slot"/> as messages (<see cref="ActorJobReporter"/>).
/// </summary>
internal sealed class JobRunner(JobRegistry jobs, IActorRef slot)
{
    /// <summary>
    /// Runs <paramref name="a"/>'s job on <paramref name="devices"/> after <paramref name="preparation"/>; the task says
    /// how it ended (never faults: a job that throws, or an input that could not be fetched, fails the attempt).
    /// </summary>
    public Task<JobEnded> Run(RunKey run, AssignTrial a, IReadOnlyList<string> devices, string workDirectory,
        Task<TrialPreparation.Prepared> preparation, CancellationToken token) =>
        preparation.ContinueWith(prepared => Task.Factory.StartNew(() =>
        {
            try
            {
                var (given, resumedFrom) = prepared.GetAwaiter().GetResult(); // an input that could not be fetched fails the attempt here
                slot.Tell(new Resumed(run, resumedFrom));
                Directory.CreateDirectory(workDirectory);
                var job = jobs.Get(a.Job);
                var parameters = new JobParameters(job.Definition, given);
                var context = new JobContext($"{a.SweepId}/{a.TrialIndex}", a.Attempt, parameters, workDirectory,
                    new ActorJobReporter(slot, run), Resumes(a), token, devices);
                // A metric that is NaN or infinite fails the attempt (retried up to max_retries, like any job that throws).
                return new JobEnded(run, JobExecution.Run(job, context).FinalMetrics, null);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return new JobEnded(run, null, "stopped on request", Stopped: true);
            }
            catch (InputUnavailableException e)
            {
                return new JobEnded(run, null, e.Message);
            }
            catch (Exception e)
            {
                return new JobEnded(run, null, $"{e.GetType().Name}: {e.Message}");
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).Unwrap();

    /// <summary>An attempt resumes when an earlier one got somewhere: recorded steps or a stored checkpoint.</summary>
    private static bool Resumes(AssignTrial a) => a.LastStep >= 0 || a.Checkpoints is { Count: > 0 };
}
