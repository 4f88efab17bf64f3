using System.Globalization;
using Atelier.Contracts.Jobs;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>
/// Fills a <see cref="Vgg19Features"/> from the <c>vgg_weights</c> parameter:
/// <list type="bullet">
/// <item><c>random:SEED</c>: torchvision's initialisation (Kaiming normal, fan-out, for ReLU; zero biases) from a seeded generator.</item>
/// <item>a <c>.pth</c>/<c>.pt</c> file written by <c>torch.save(state_dict)</c> (the zip format, or the format before
/// PyTorch 1.6: <see cref="LegacyTorchFile"/>), or a <c>.safetensors</c> file,
/// with torchvision's VGG19 keys <c>features.0.weight … features.34.bias</c> (other keys such as <c>classifier.*</c>
/// are ignored; keys without the <c>features.</c> prefix, as in <c>vgg19().features.state_dict()</c>, are accepted).
/// torchvision's <c>vgg19_bn</c> layout is accepted too: each batch norm (eval mode) is folded into its convolution,
/// so the ReLU outputs equal the batch-norm network's. A <c>cifar-vgg19</c> job checkpoint (<c>epoch-NNNN.pt</c>, a dict
/// whose <c>model</c> entry is such a state_dict; width 1 only) is read the same way.</item>
/// </list>
/// Every weight must be present with its exact shape; the error names the file and the key.
/// </summary>
public static class VggWeights
{
    public const string RandomPrefix = "random:";

    private const double BatchNormEps = 1e-5;

    /// <summary>Loads <paramref name="source"/> into <paramref name="net"/> (on the CPU; move the net afterwards).</summary>
    public static void Load(Vgg19Features net, string source)
    {
        if (source.StartsWith(RandomPrefix, StringComparison.Ordinal))
        {
            if (!long.TryParse(source[RandomPrefix.Length..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed))
                throw new JobParameterException($"parameter vgg_weights = '{source}': random:SEED needs an integer seed");
            InitRandom(net, seed);
            return;
        }
        if (!File.Exists(source))
            throw new JobParameterException($"parameter vgg_weights = '{source}': no such file (expected random:SEED, a .pth or a .safetensors file)");

        using var scope = torch.NewDisposeScope();
        Dictionary<string, Tensor> file;
        try
        {
            file = StateDictFile.Read(source, ConvolutionKeys());
        }
        catch (Exception e) when (e is not JobParameterException)
        {
            throw new JobParameterException($"parameter vgg_weights = '{source}': cannot be read as {StateDictFile.Expected(source)}: {e.Message}");
        }
        Apply(net, file, source);
    }

    /// <summary>torchvision's VGG initialisation from a seeded generator: the same weights on every device and run.</summary>
    public static void InitRandom(Vgg19Features net, long seed)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var generator = new Generator(unchecked((ulong)seed));
        foreach (var (name, p) in net.named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                p.zero_();
                continue;
            }
            var fanOut = p.shape[0] * p.shape[2] * p.shape[3];
            var values = torch.randn(p.shape, ScalarType.Float32, generator: generator).Times(Math.Sqrt(2.0 / fanOut));
            p.copy_(values);
        }
    }

    /// <summary>Writes <paramref name="net"/>'s weights as a PyTorch zip-format state_dict (<c>features.N.weight</c> …).</summary>
    public static void SavePyTorch(Vgg19Features net, string path) => net.save_py(path);

    /// <summary>The convolution keys of both layouts, with and without the prefix: a safetensors file's classifier is never read.</summary>
    private static IEnumerable<string> ConvolutionKeys()
    {
        for (var i = 0; i < 53; i++)
        {
            foreach (var suffix in new[] { "weight", "bias", "running_mean", "running_var" })
            {
                yield return $"features.{i}.{suffix}";
                yield return $"{i}.{suffix}";
            }
        }
    }

    private static void Apply(Vgg19Features net, Dictionary<string, Tensor> file, string source)
    {
        var prefix = file.Keys.Any(k => k.StartsWith("features.", StringComparison.Ordinal)) ? "features." : "";
        var batchNorm = file.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal) && k.EndsWith(".running_mean", StringComparison.Ordinal));
        var targets = net.state_dict();
        using var noGrad = torch.no_grad();

        var plainIndex = 0;  // Sequential index in vgg19
        var fileIndex = 0;   // Sequential index in the file's layout (vgg19 or vgg19_bn)
        foreach (var channels in StyleTransferJobDefinition.Vgg19Config)
        {
            if (channels == 0)
            {
                plainIndex++;
                fileIndex++;
                continue;
            }
            var weightKey = $"features.{plainIndex}.weight";
            var biasKey = $"features.{plainIndex}.bias";
            var weight = Take(file, $"{prefix}{fileIndex}.weight", targets[weightKey].shape, source);
            var bias = Take(file, $"{prefix}{fileIndex}.bias", targets[biasKey].shape, source);
            if (batchNorm)
            {
                var c = new[] { targets[biasKey].shape[0] };
                var bn = fileIndex + 1;
                var gamma = Take(file, $"{prefix}{bn}.weight", c, source);
                var beta = Take(file, $"{prefix}{bn}.bias", c, source);
                var mean = Take(file, $"{prefix}{bn}.running_mean", c, source);
                var variance = Take(file, $"{prefix}{bn}.running_var", c, source);
                // Eval-mode batch norm is y = (z − mean)·γ/√(var+eps) + β: fold it into the convolution.
                var scale = gamma.to(ScalarType.Float64) / variance.to(ScalarType.Float64).PlusNumber(BatchNormEps).sqrt();
                weight = weight.to(ScalarType.Float64) * scale.view(-1, 1, 1, 1);
                bias = ((bias.to(ScalarType.Float64) - mean.to(ScalarType.Float64)) * scale).Plus(beta.to(ScalarType.Float64));
                fileIndex += 3; // conv, bn, relu
            }
            else
            {
                fileIndex += 2; // conv, relu
            }
            targets[weightKey].copy_(weight.to(ScalarType.Float32));
            targets[biasKey].copy_(bias.to(ScalarType.Float32));
            plainIndex += 2;
        }
    }

    private static Tensor Take(Dictionary<string, Tensor> file, string key, long[] shape, string source)
    {
        if (!file.TryGetValue(key, out var tensor))
        {
            var sample = string.Join(", ", file.Keys.Order(StringComparer.Ordinal).Take(6));
            throw new JobParameterException(
                $"parameter vgg_weights = '{source}': key '{key}' is missing; this is not a torchvision VGG19 state_dict "
                + $"(it has {file.Count} keys: {sample}{(file.Count > 6 ? ", …" : "")})");
        }
        if (!tensor.shape.SequenceEqual(shape))
        {
            throw new JobParameterException(
                $"parameter vgg_weights = '{source}': '{key}' has shape ({string.Join(", ", tensor.shape)}), VGG19 needs ({string.Join(", ", shape)})");
        }
        if (!tensor.is_floating_point())
            throw new JobParameterException($"parameter vgg_weights = '{source}': '{key}' is {tensor.dtype}, not a floating-point tensor");
        return tensor;
    }
}
