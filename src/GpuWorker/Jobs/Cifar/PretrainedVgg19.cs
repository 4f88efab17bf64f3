using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// Starts a <see cref="Vgg19Cifar"/> from torchvision's ImageNet <c>vgg19</c> the way the Keras reference does with
/// <c>model.load_weights(…, by_name=True)</c>: every layer whose name and shape match the ImageNet VGG19 — the 16
/// convolutions <c>block1_conv1 … block5_conv4</c> and <c>fc2</c>, the 4096 → 4096 dense layer (torchvision's
/// <c>classifier.3</c>) — takes the file's weights and biases; the batch norms, the first dense layer (its input is
/// 2×2 here, 7×7 in ImageNet) and the 10-way output keep their initialisation.
/// </summary>
/// <remarks>
/// Everything is checked before anything is copied, so a refused file leaves the model as it was. torchvision's
/// <c>vgg19_bn</c> is refused rather than mapped: the reference loads the plain network's weights, and a folded or
/// skipped batch norm would be another recipe.
/// </remarks>
public static class PretrainedVgg19
{
    /// <summary>One tensor taken from the file: the reference's layer name, the file's key, the model's key.</summary>
    public sealed record Mapping(string Layer, string FileKey, string ModelKey);

    /// <summary>The reference's 34 tensors (16 convolutions and fc2, weight and bias each) in the order of the network.</summary>
    public static IReadOnlyList<Mapping> Mappings { get; } = Build();

    /// <summary>Loads <paramref name="path"/> into <paramref name="model"/> (any device); returns what it took.</summary>
    /// <exception cref="JobParameterException">The file is missing, unreadable or not torchvision's vgg19 at this width; the message names the file and the first offending tensor.</exception>
    public static IReadOnlyList<Mapping> Load(Vgg19Cifar model, string path)
    {
        var name = $"parameter pretrained = '{path}'";
        if (!File.Exists(path)) throw new JobParameterException($"{name}: no such file (expected torchvision's vgg19 state_dict, .pth or .safetensors)");
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> file;
        try
        {
            file = StateDictFile.Read(path, Mappings.Select(m => m.FileKey).Append(BatchNormKey));
        }
        catch (Exception e) when (e is not JobParameterException and not OutOfMemoryException)
        {
            throw new JobParameterException($"{name}: cannot be read as {StateDictFile.Expected(path)}: {e.Message}");
        }
        if (file.ContainsKey(BatchNormKey))
            throw new JobParameterException(
                $"{name}: is torchvision's vgg19_bn (it has {BatchNormKey}); pretrained takes vgg19, the network without batch norm that the reference starts from");

        var targets = model.state_dict();
        var checkedTensors = new List<(Tensor Source, Tensor Target)>();
        foreach (var m in Mappings)
        {
            if (!file.TryGetValue(m.FileKey, out var source))
            {
                var sample = string.Join(", ", file.Keys.Order(StringComparer.Ordinal).Take(6));
                throw new JobParameterException(
                    $"{name}: {m.Layer}'s '{m.FileKey}' is missing; this is not torchvision's vgg19 state_dict (it has {file.Count} {(StateDictFile.IsSafetensors(path) ? "of the keys pretrained reads" : "keys")}{(file.Count > 0 ? ": " + sample + (file.Count > 6 ? ", …" : "") : "")})");
            }
            var target = targets[m.ModelKey];
            if (!source.shape.SequenceEqual(target.shape))
            {
                var width = model.Width == 1 ? "" : $" at width {model.Width}; ImageNet weights need width 1";
                throw new JobParameterException(
                    $"{name}: {m.Layer}'s '{m.FileKey}' has shape ({string.Join(", ", source.shape)}), the model's '{m.ModelKey}' is ({string.Join(", ", target.shape)}){width}");
            }
            if (!source.is_floating_point())
                throw new JobParameterException($"{name}: {m.Layer}'s '{m.FileKey}' is {source.dtype}, not a floating-point tensor");
            if (!source.isfinite().all().item<bool>())
                throw new JobParameterException($"{name}: {m.Layer}'s '{m.FileKey}' holds NaN or infinite values");
            checkedTensors.Add((source, target));
        }
        using (no_grad())
        {
            foreach (var (source, target) in checkedTensors) target.copy_(source.to(target.dtype));
        }
        return Mappings;
    }

    /// <summary>A key only <c>vgg19_bn</c> has: its first batch norm's running mean.</summary>
    private const string BatchNormKey = "features.1.running_mean";

    private static List<Mapping> Build()
    {
        var result = new List<Mapping>();
        int file = 0, ours = 0, block = 1, conv = 0;
        foreach (var channels in Vgg19Cifar.Layout)
        {
            if (channels == 0)
            {
                file++; // pool
                ours++;
                block++;
                conv = 0;
                continue;
            }
            var layer = $"block{block}_conv{++conv}";
            foreach (var suffix in new[] { "weight", "bias" })
                result.Add(new Mapping(layer, $"features.{file}.{suffix}", $"features.{ours}.{suffix}"));
            file += 2; // conv, relu
            ours += 3; // conv, batch norm, relu
        }
        foreach (var suffix in new[] { "weight", "bias" })
            result.Add(new Mapping("fc2", $"classifier.3.{suffix}", $"classifier.4.{suffix}"));
        return result;
    }
}
