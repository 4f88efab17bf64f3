using Atelier.GpuWorker.Jobs;
using Atelier.Contracts.Jobs;
using Atelier.GpuWorker.Jobs.Style;
using Atelier.Contracts.Specs;

namespace Atelier.GpuWorker.Tests.Style;

internal static class StyleTestData
{
    /// <summary>A frozen VGG19 with random (torchvision-initialised) weights.</summary>
    public static Vgg19Features Network(long seed = 1)
    {
        var net = new Vgg19Features();
        VggWeights.InitRandom(net, seed);
        return net.Freeze();
    }

    public static JobParameters Parameters(params (string Name, object Value)[] values)
    {
        var given = new Dictionary<string, ParamValue>();
        foreach (var (name, value) in values)
        {
            given[name] = value switch
            {
                int i => ParamValue.Of((long)i),
                long l => ParamValue.Of(l),
                double d => ParamValue.Of(d),
                string s => ParamValue.Of(s),
                bool b => ParamValue.Of(b),
                _ => throw new ArgumentException($"unsupported value {value}"),
            };
        }
        return new JobParameters(StyleTransferJobDefinition.Definition, given);
    }

    /// <summary>A temporary directory, deleted on dispose.</summary>
    public sealed class TempDirectory : IDisposable
    {
        public TempDirectory() => Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "atelier-style-" + Guid.NewGuid().ToString("N"));

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Records what a job reports.</summary>
    public sealed class RecordingReporter : IJobReporter
    {
        public List<(long Step, IReadOnlyDictionary<string, double> Values)> Metrics { get; } = [];
        public List<(string Kind, string Path)> Artifacts { get; } = [];
        public List<(long Step, string Path)> Checkpoints { get; } = [];

        void IJobReporter.Metrics(long step, IReadOnlyDictionary<string, double> values) => Metrics.Add((step, values));
        void IJobReporter.Artifact(string kind, string path) => Artifacts.Add((kind, path));
        void IJobReporter.Checkpoint(long step, string path) => Checkpoints.Add((step, path));
    }
}
