using System.Security.Cryptography;
using System.Text.Json;
using Atelier.Contracts.Jobs;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// The <c>cifar-vgg19</c> job: loads CIFAR-10 (or the synthetic set) onto the device, trains
/// <see cref="Vgg19Cifar"/> with <see cref="CifarTrainer"/>, reports each epoch's metrics, checkpoints every
/// <c>checkpoint_every</c> epochs and, when resuming, continues from the newest checkpoint in the work directory.
/// Writes the final weights as <c>model.safetensors</c> and (unless <c>layer_views=false</c>) what each layer sees
/// (<see cref="CifarLayerViews"/>). Given several devices (<c>resources.gpus</c>), it trains
/// data-parallel over them; checkpoints and weights hold the master model only, so they fit a run on any number.
/// </summary>
public sealed class CifarVgg19TrainingJob : IJob
{
    public JobDefinition Definition => CifarVgg19JobDefinition.Definition;

    public JobResult Run(JobContext context)
    {
        var options = CifarOptions.From(context.Parameters);
        var devices = ResolveDevices(options.Device, context.Devices);
        var device = devices[0];
        if (device.type == DeviceType.CUDA && options.Tf32)
        {
            torch.backends.cuda.matmul.allow_tf32 = true;
            torch.backends.cudnn.allow_tf32 = true;
        }

        CifarPipeline pipeline;
        using (var data = CifarDataLoader.Load(options.Data, options.TrainSubset, options.TestSubset))
            pipeline = new CifarPipeline(data, device, options.Augment, options.Normalize, options.Shifts);
        using var _ = pipeline;
        using var trainer = new CifarTrainer(options, pipeline, devices);

        var checkpoints = Path.Combine(context.WorkDirectory, "checkpoints");
        var history = new List<IReadOnlyDictionary<string, double>>();
        var first = 0;
        if ((context.Resume || options.Resume) && CifarCheckpoint.Latest(checkpoints) is { } latest)
            (first, history) = CifarCheckpoint.Load(latest, trainer);
        else if (options.Pretrained != "")
            context.Reporter.Artifact("pretrained", WritePretrained(context.WorkDirectory, options.Pretrained, PretrainedVgg19.Load(trainer.Model, options.Pretrained)));

        EvalMetrics? evaluation = null;
        for (var epoch = first; epoch < options.Epochs; epoch++)
        {
            var train = trainer.TrainEpoch(epoch, context.Cancellation);
            context.Cancellation.ThrowIfCancellationRequested();
            evaluation = trainer.Evaluate();
            var metrics = new Dictionary<string, double>
            {
                ["epoch"] = epoch + 1,
                ["train_loss"] = train.Loss,
                ["train_accuracy"] = train.Accuracy,
                ["test_loss"] = evaluation.Loss,
                ["test_accuracy"] = evaluation.Accuracy,
                ["lr"] = train.Lr,
                ["images_per_second"] = train.ImagesPerSecond,
                ["epoch_seconds"] = train.Seconds,
            };
            history.Add(metrics);
            context.Reporter.Metrics(epoch + 1, metrics);

            var completed = epoch + 1;
            if (options.CheckpointEvery > 0 && (completed % options.CheckpointEvery == 0 || completed == options.Epochs))
            {
                Directory.CreateDirectory(checkpoints);
                var path = Path.Combine(checkpoints, CifarCheckpoint.FileName(completed));
                CifarCheckpoint.Save(path, trainer, completed, history);
                context.Reporter.Checkpoint(completed, path);
                CifarCheckpoint.Prune(checkpoints, options.KeepCheckpoints);
            }
        }
        if (history.Count == 0) throw new InvalidOperationException("no epoch was trained");
        evaluation ??= trainer.Evaluate();

        var weights = Path.Combine(context.WorkDirectory, "model.safetensors");
        using (var scope = NewDisposeScope())
        using (var stream = File.Create(weights))
        {
            Safetensors.SaveStateDict(stream, trainer.Model.state_dict().ToDictionary(kv => kv.Key, kv => CifarCheckpoint.CpuCopy(kv.Value)));
        }
        context.Reporter.Artifact("model", weights);
        if (options.LayerViews)
        {
            foreach (var file in CifarLayerViews.Write(trainer.Model, pipeline, context.WorkDirectory))
                context.Reporter.Artifact(LayerViews.ArtifactKind, file);
        }
        return new JobResult(FinalMetrics(history, evaluation));
    }

    /// <summary>Writes <c>pretrained.json</c>: the file (and its SHA-256) and every tensor taken from it, by layer.</summary>
    private static string WritePretrained(string workDirectory, string file, IReadOnlyList<PretrainedVgg19.Mapping> loaded)
    {
        string sha256;
        using (var stream = File.OpenRead(file))
            sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
        var document = new
        {
            file = Path.GetFullPath(file),
            sha256,
            tensors = loaded.Select(m => new { layer = m.Layer, from = m.FileKey, to = m.ModelKey }),
        };
        var path = Path.Combine(workDirectory, "pretrained.json");
        File.WriteAllText(path, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    /// <summary>The last epoch's metrics, the best test accuracy, and the final per-class test accuracy.</summary>
    public static Dictionary<string, double> FinalMetrics(IReadOnlyList<IReadOnlyDictionary<string, double>> history, EvalMetrics evaluation)
    {
        var last = history[^1];
        var final = new Dictionary<string, double>
        {
            ["test_accuracy"] = last["test_accuracy"],
            ["test_loss"] = last["test_loss"],
            ["train_accuracy"] = last["train_accuracy"],
            ["train_loss"] = last["train_loss"],
            ["best_test_accuracy"] = history.Max(h => h["test_accuracy"]),
            ["epochs"] = last["epoch"],
            ["images_per_second"] = history.Average(h => h["images_per_second"]),
        };
        for (var c = 0; c < evaluation.PerClass.Count; c++)
        {
            if (!double.IsNaN(evaluation.PerClass[c])) final[$"test_accuracy_class_{c}"] = evaluation.PerClass[c];
        }
        return final;
    }

    /// <summary>
    /// Every reserved device when the slot reserved several and <paramref name="requested"/> is <c>auto</c> (the run is
    /// then data parallel), else the one device of <see cref="ResolveDevice"/>.
    /// </summary>
    public static IReadOnlyList<Device> ResolveDevices(string requested, IReadOnlyList<string>? slotDevices) =>
        requested == "auto" && slotDevices is { Count: > 1 }
            ? slotDevices.Select(d => torch.device(d)).ToList()
            : [ResolveDevice(requested, slotDevices is { Count: > 0 } ? slotDevices[0] : null)];

    /// <summary>
    /// <c>cpu</c>; <c>cuda</c> (the slot's GPU, else the first one); <c>auto</c>: the slot's device, else CUDA when
    /// available, else the CPU.
    /// </summary>
    public static Device ResolveDevice(string requested, string? slotDevice)
    {
        var slotIsCuda = slotDevice?.StartsWith("cuda", StringComparison.Ordinal) == true;
        switch (requested)
        {
            case "cpu":
                return CPU;
            case "cuda":
                if (slotIsCuda) return torch.device(slotDevice!);
                if (torch.cuda.is_available()) return CUDA;
                throw new JobParameterException("parameter device = cuda: no CUDA device is available to TorchSharp on this worker");
            default:
                if (slotDevice is not null) return torch.device(slotDevice);
                return torch.cuda.is_available() ? CUDA : CPU;
        }
    }
}
