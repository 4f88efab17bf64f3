using System.Collections;
using Atelier.GpuWorker.Pickling;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs;

/// <summary>
/// Reads a PyTorch state_dict file as name → tensor, the one reader behind every weights parameter (<c>vgg_weights</c>,
/// <c>pretrained</c>): <c>torch.save(state_dict)</c> in the zip format, in the format before PyTorch 1.6
/// (<see cref="LegacyTorchFile"/>), or a <c>.safetensors</c> file. A training checkpoint whose <c>model</c> entry is the
/// state_dict (a <c>cifar-vgg19</c> <c>epoch-NNNN.pt</c>) reads as that state_dict. Tensors land on the CPU, in the
/// caller's dispose scope.
/// </summary>
public static class StateDictFile
{
    public static bool IsSafetensors(string path) => path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

    /// <summary>What the file was expected to be, for error messages.</summary>
    public static string Expected(string path) =>
        IsSafetensors(path) ? "a safetensors file" : "a PyTorch state_dict (torch.save(model.state_dict(), path))";

    /// <param name="keep">The keys worth reading from a safetensors file (it can skip the rest); a pickle is read whole.</param>
    /// <exception cref="Exception">The file cannot be read as a state_dict; the caller names the parameter.</exception>
    public static Dictionary<string, Tensor> Read(string path, IEnumerable<string> keep)
    {
        if (IsSafetensors(path)) return Safetensors.LoadStateDict(path, keep.ToList());
        IDictionary table;
        if (LegacyTorchFile.Looks(path))
        {
            table = LegacyTorchFile.Read(path);
        }
        else
        {
            using var stream = File.OpenRead(path);
            table = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        if (table["model"] is IDictionary model) table = model;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string key && entry.Value is Tensor tensor) result[key] = tensor;
        }
        return result;
    }
}
