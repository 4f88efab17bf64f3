using Atelier.Contracts.Api;
using Atelier.Contracts.Jobs;
using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Reports.Model;

/// <summary>
/// GPU time and the time early stopping saved.
/// <list type="bullet">
/// <item>A trial's run time is from its first start to its end (to now while it runs): it includes retries and
/// the time a lost attempt ran before its lease expired.</item>
/// <item>GPU time is the sum of the run times (one slot, i.e. one GPU, per trial).</item>
/// <item>Time saved: for each trial stopped by early_terminate, the steps it did not run (its planned steps minus
/// its last step) times its own mean step time (run time / last step). Planned steps come from the job's step
/// parameter (<c>epochs</c>, <c>iterations</c>, <c>steps</c>); when the job has none, the most steps any completed
/// trial ran.</item>
/// </list>
/// </summary>
public static class TimeAccounting
{
    /// <summary>Seconds from the trial's first start to its end, to <paramref name="now"/> while it runs; null if it never ran.</summary>
    public static double? RunSeconds(TrialDto trial, DateTimeOffset now)
    {
        if (trial.StartedAt is not { } start) return null;
        var end = trial.FinishedAt ?? (trial.Status == TrialStatus.Running ? now : null);
        return end is { } e ? Math.Max(0, (e - start).TotalSeconds) : null;
    }

    /// <summary>The parameter that counts a job's steps: the catalog's, else the known jobs' (epochs, iterations).</summary>
    public static string? StepsParameter(string job) =>
        JobCatalog.TryGet(job, out var definition) && definition.StepsParameter is { } declared ? declared
        : job switch
        {
            CifarVgg19JobDefinition.Kind => "epochs",
            StyleTransferJobDefinition.Kind => "iterations",
            _ => null,
        };

    /// <summary>How many steps a trial of <paramref name="job"/> with these parameters runs, when known.</summary>
    public static long? PlannedSteps(string job, IReadOnlyDictionary<string, ParamValue> parameters)
    {
        if (StepsParameter(job) is not { } name) return null;
        if (!JobCatalog.TryGet(job, out var definition))
            return parameters.TryGetValue(name, out var given) && given.Kind == ParamType.Int ? given.AsLong() : null;
        // Resolved as the worker resolves them: a recipe (recipe=keras) sets the default epochs too.
        return definition.Resolve(parameters).TryGetValue(name, out var steps) && steps.Kind == ParamType.Int ? steps.AsLong() : null;
    }

    /// <summary>Device seconds: each trial's run time times the devices it reserved (<c>resources.gpus</c>).</summary>
    public static double GpuSeconds(IEnumerable<ReportTrial> trials, int devicesPerTrial) => trials.Sum(t => t.RunSeconds ?? 0) * devicesPerTrial;

    /// <summary>The estimate of seconds and steps saved by stopping trials early (see the class summary).</summary>
    public static (double Seconds, long Steps) Saved(IReadOnlyList<ReportTrial> trials)
    {
        var fallback = trials.Where(t => t.Status == TrialStatus.Completed && t.LastStep is > 0).Select(t => t.LastStep!.Value).DefaultIfEmpty(0).Max();
        double seconds = 0;
        long steps = 0;
        foreach (var t in trials.Where(t => t.Status == TrialStatus.Stopped))
        {
            var planned = t.PlannedSteps ?? (fallback > 0 ? fallback : null);
            if (planned is not { } total || t.LastStep is not ({ } last and > 0) || t.RunSeconds is not { } run) continue;
            var remaining = Math.Max(0, total - last);
            steps += remaining;
            seconds += remaining * (run / last);
        }
        return (seconds, steps);
    }
}
