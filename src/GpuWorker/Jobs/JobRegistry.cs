namespace Atelier.GpuWorker.Jobs;

/// <summary>The jobs this worker can run, by kind.</summary>
public sealed class JobRegistry(IEnumerable<IJob> jobs)
{
    private readonly Dictionary<string, IJob> _byKind = jobs.ToDictionary(j => j.Definition.Kind, StringComparer.Ordinal);

    public static JobRegistry Default() => new([new SyntheticJob(), new Style.StyleTransferJob(), new Cifar.CifarVgg19TrainingJob()]);

    public IReadOnlyCollection<string> Kinds => _byKind.Keys;

    public IJob Get(string kind) =>
        _byKind.TryGetValue(kind, out var job)
            ? job
            : throw new JobParameterException($"unknown job '{kind}'; this worker runs: {string.Join(", ", _byKind.Keys)}");
}
