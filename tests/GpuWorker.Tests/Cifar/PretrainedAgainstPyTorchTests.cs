using System.Text.Json;
using Atelier.GpuWorker.Jobs.Cifar;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Tests.Cifar;

/// <summary>
/// One training step of <c>recipe=keras</c> with <c>pretrained</c> equals PyTorch's: the same network built in PyTorch
/// 1.13 from the same torchvision-layout weights by the Keras layer names, on the same batch with augmentation off,
/// gives the same loss and gradients (Fixtures/pretrained_step.py wrote Fixtures/pretrained_step.json). Both compute in
/// float64 from the float32 weights and batch: in float32 the 16 batch norms over 8 images move the first layers'
/// gradients by a few per cent between PyTorch's own float32 and float64 runs, which would hide a real mistake.
/// </summary>
public sealed class PretrainedAgainstPyTorchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("atelier-pretrained-step-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_first_step_has_pytorchs_loss_and_gradients()
    {
        using var scope = NewDisposeScope();
        using var reference = JsonDocument.Parse(File.ReadAllText(Fixture("pretrained_step.json")));
        var path = Path.Combine(_dir, "vgg19.safetensors");
        using (var stream = File.Create(path)) Safetensors.SaveStateDict(stream, TorchvisionVgg19());
        using var model = new Vgg19Cifar(1.0, dropout: 0, initSeed: 0, headBatchNorm: true);
        PretrainedVgg19.Load(model, path);
        var state = model.state_dict();
        using (no_grad())
        {
            // The layers the reference leaves to their initialisation: the same formula as the script's.
            var ordinal = 34;
            foreach (var name in new[] { "classifier.0.weight", "classifier.0.bias", "classifier.8.weight", "classifier.8.bias" })
                state[name].copy_(Values(state[name].shape, ordinal++));
        }
        const int batch = 8;
        var pixels = Hashed(batch * 3 * 32 * 32, 1000).div(1L << 24, rounding_mode: RoundingMode.floor).to(ScalarType.Byte).view(batch, 3, 32, 32);
        using var data = new CifarDataset(
            new CifarSplit(pixels, arange(batch, ScalarType.Int64).remainder(10)),
            new CifarSplit(zeros([2, 3, 32, 32], ScalarType.Byte), zeros(2, ScalarType.Int64)), "formula");
        using var pipeline = new CifarPipeline(data, CPU, augment: false, normalize: "imagenet");
        using var plan = new EpochPlan(arange(batch, ScalarType.Int64), zeros([batch, 2], ScalarType.Int64), zeros(batch, ScalarType.Bool));
        var (images, labels) = pipeline.TrainBatch(plan, 0, batch);

        model.to(ScalarType.Float64);
        model.train();
        var loss = nn.functional.cross_entropy(model.forward(images.to(ScalarType.Float64)), labels);
        loss.backward();

        var expectedLoss = reference.RootElement.GetProperty("loss").GetDouble();
        Assert.True(Math.Abs(loss.item<double>() - expectedLoss) <= 1e-9 * expectedLoss, $"loss {loss.item<double>():R}, PyTorch {expectedLoss:R}");
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var expected in reference.RootElement.GetProperty("gradients").EnumerateObject())
        {
            var gradient = parameters[expected.Name].grad!;
            var norm = expected.Value.GetProperty("norm").GetDouble();
            var actualNorm = gradient.norm().item<double>();
            // features.0.bias: a bias before a batch norm has no true gradient; both sides hold rounding noise (~1e-12).
            var tolerance = expected.Name == "features.0.bias" ? 1e-9 : 1e-7 * norm;
            Assert.True(Math.Abs(actualNorm - norm) <= tolerance, $"{expected.Name}: gradient norm {actualNorm:R}, PyTorch {norm:R}");
            var first = gradient.flatten().narrow(0, 0, 4).data<double>().ToArray();
            var pytorch = expected.Value.GetProperty("first").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            for (var i = 0; i < 4; i++)
                Assert.True(Math.Abs(first[i] - pytorch[i]) <= tolerance, $"{expected.Name}[{i}]: {first[i]:R}, PyTorch {pytorch[i]:R}");
        }
    }

    /// <summary>The script's hash of the element index: uniform in [0, 2^32), exact in integers.</summary>
    private static Tensor Hashed(long n, long ordinal) =>
        arange(n, ScalarType.Int64).mul(2654435761L).add(ordinal * 40503 + 12345).remainder(1L << 32);

    private static Tensor Values(long[] shape, long ordinal) =>
        Hashed(shape.Aggregate(1L, (a, b) => a * b), ordinal).to(ScalarType.Float64).div(4294967296.0).sub(0.5).mul(0.04)
            .to(ScalarType.Float32).reshape(shape);

    /// <summary>The tensors of torchvision's vgg19 the reference takes, valued by formula in the script's order.</summary>
    private static Dictionary<string, Tensor> TorchvisionVgg19()
    {
        var file = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        long index = 0, channels = 3, ordinal = 0;
        foreach (var width in Vgg19Cifar.Layout)
        {
            if (width == 0)
            {
                index++;
                continue;
            }
            file[$"features.{index}.weight"] = Values([width, channels, 3, 3], ordinal++);
            file[$"features.{index}.bias"] = Values([width], ordinal++);
            channels = width;
            index += 2;
        }
        file["classifier.3.weight"] = Values([4096, 4096], ordinal++);
        file["classifier.3.bias"] = Values([4096], ordinal);
        return file;
    }

    private static string Fixture(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cluster.sln"))) directory = directory.Parent;
        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("repository root not found"),
            "tests", "GpuWorker.Tests", "Cifar", "Fixtures", name);
    }
}
