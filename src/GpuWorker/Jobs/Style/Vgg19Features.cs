using TorchSharp;
using Atelier.Contracts.Jobs;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>
/// VGG19's convolutional part in torchvision's exact layout: a <c>features</c> Sequential of 37 modules
/// (3×3 convolutions with padding 1, ReLUs, 2×2 max pools), so its state_dict keys are
/// <c>features.0.weight … features.34.bias</c> and torchvision's files load into it unchanged.
/// Modules are also known by name (<c>conv1_1, relu1_1, …, pool5</c>, see <see cref="Atelier.Contracts.Jobs.StyleTransferJobDefinition.Vgg19LayerNames"/>).
/// </summary>
public sealed class Vgg19Features : Module<Tensor, Tensor>
{
    // The field name is the state_dict prefix: "features.N.weight".
#pragma warning disable IDE1006
    private readonly Sequential features;
#pragma warning restore IDE1006
    private readonly Module<Tensor, Tensor>[] _layers;

    public Vgg19Features() : base(nameof(Vgg19Features))
    {
        var modules = new List<(string, Module<Tensor, Tensor>)>();
        var inChannels = 3L;
        foreach (var channels in StyleTransferJobDefinition.Vgg19Config)
        {
            if (channels == 0)
            {
                modules.Add((modules.Count.ToString(), MaxPool2d(kernel_size: 2, stride: 2)));
                continue;
            }
            modules.Add((modules.Count.ToString(), Conv2d(inChannels, channels, kernel_size: 3, padding: 1)));
            // Not in place: an extracted conv output must survive the ReLU after it.
            modules.Add((modules.Count.ToString(), ReLU()));
            inChannels = channels;
        }
        _layers = modules.Select(m => m.Item2).ToArray();
        features = Sequential(modules.ToArray());
        RegisterComponents();
    }

    public static IReadOnlyList<string> LayerNames => StyleTransferJobDefinition.Vgg19LayerNames;

    /// <summary>The Sequential index of a layer name, e.g. relu4_2 → 22; -1 when unknown.</summary>
    public static int IndexOf(string layer)
    {
        for (var i = 0; i < LayerNames.Count; i++)
            if (LayerNames[i] == layer) return i;
        return -1;
    }

    /// <summary>
    /// The smallest image side for which <paramref name="layer"/> has any output: 2^(max pools up to and including it).
    /// </summary>
    public static int MinimumSide(string layer)
    {
        var index = IndexOf(layer);
        if (index < 0) throw new ArgumentException($"unknown VGG19 layer '{layer}'", nameof(layer));
        return 1 << LayerNames.Take(index + 1).Count(n => n.StartsWith("pool", StringComparison.Ordinal));
    }

    /// <summary>The whole <c>features</c> stack (all 37 modules).</summary>
    public override Tensor forward(Tensor input) => features.forward(input);

    /// <summary>
    /// The outputs of the named layers for <paramref name="input"/> (N, 3, H, W), running the stack only up to
    /// the deepest of them. The tensors belong to the caller's dispose scope.
    /// </summary>
    public Dictionary<string, Tensor> Extract(Tensor input, IEnumerable<string> layers)
    {
        var wanted = new Dictionary<int, string>();
        foreach (var layer in layers)
        {
            var index = IndexOf(layer);
            if (index < 0)
                throw new ArgumentException($"unknown VGG19 layer '{layer}'; the layers are {string.Join(", ", LayerNames)}", nameof(layers));
            wanted[index] = layer;
        }
        var outputs = new Dictionary<string, Tensor>(wanted.Count);
        if (wanted.Count == 0) return outputs;
        var deepest = wanted.Keys.Max();
        var h = input;
        for (var i = 0; i <= deepest; i++)
        {
            h = _layers[i].forward(h);
            if (wanted.TryGetValue(i, out var name)) outputs[name] = h;
        }
        return outputs;
    }

    /// <summary>Stops gradients to the weights and switches to evaluation mode; the network is only a fixed feature extractor.</summary>
    public Vgg19Features Freeze()
    {
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
        return this;
    }
}
