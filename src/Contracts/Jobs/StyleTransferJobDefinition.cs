using Atelier.Contracts.Specs;

namespace Atelier.Contracts.Jobs;

/// <summary>
/// The definition of the <c>style-transfer</c> job (Gatys et al., "A Neural Algorithm of Artistic Style"), and
/// the VGG19 layer names its parameters refer to. The worker side lives in <c>Atelier.GpuWorker.Jobs.Style</c>.
/// </summary>
public static class StyleTransferJobDefinition
{
    public const string Kind = "style-transfer";

    /// <summary>The default content layer.</summary>
    public const string DefaultContentLayer = "relu4_2";

    /// <summary>The default style layers, comma separated.</summary>
    public const string DefaultStyleLayers = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1";

    /// <summary>The built-in content image, used when <c>content</c> is not given.</summary>
    public const string BuiltinContent = "builtin:landscape";

    /// <summary>The built-in style image, used when <c>style</c> is not given.</summary>
    public const string BuiltinStyle = "builtin:swirls";

    /// <summary>
    /// torchvision's VGG19 <c>features</c> configuration: output channels of each 3×3 convolution, 0 for a 2×2 max pool.
    /// </summary>
    public static IReadOnlyList<int> Vgg19Config { get; } =
        [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0];

    /// <summary>
    /// The names of the 37 modules of VGG19 <c>features</c>, in order (index = Sequential index):
    /// <c>conv1_1, relu1_1, conv1_2, relu1_2, pool1, conv2_1, …, relu5_4, pool5</c>.
    /// </summary>
    public static IReadOnlyList<string> Vgg19LayerNames { get; } = LayerNames();

    public static JobDefinition Definition { get; } = new(
        Kind,
        "Gatys neural style transfer: optimises an image so that its VGG19 features match a content image at one "
        + "layer and the Gram matrices of a style image at several layers, plus a total-variation term. "
        + "Writes result.png (the image with the lowest total loss) and previews/step-NNNN.png; "
        + "reports content_loss, style_loss, tv_loss (unweighted) and total_loss every iteration, step 0 before the first update.",
        [
            new("content", ParamType.String, ParamValue.Of(BuiltinContent),
                "Content image: a PNG or JPEG file, or builtin:landscape (procedural, nothing downloaded) or builtin:blank (white). In a sweep spec a file "
                + "path (relative to the spec) is uploaded by pbm sweep submit and delivered to the workers by content hash.",
                Input: true),
            new("style", ParamType.String, ParamValue.Of(BuiltinStyle),
                "Style image: a PNG or JPEG file, or builtin:swirls (procedural) or builtin:blank (white); resized to the content image's size. "
                + "Uploaded like content.",
                Input: true),
            new("size", ParamType.Int, ParamValue.Of(256L),
                "Longer side of the content image in pixels (aspect kept; no resize when equal); 0 keeps the content image's size.",
                Min: 0, Max: 4096),
            new("vgg_weights", ParamType.String, ParamValue.Of("random:0"),
                "VGG19 weights: a torchvision state_dict (.pth written by torch.save, or .safetensors, same keys), "
                + "or random:SEED (untrained; for tests and offline demos). Real results need ImageNet weights."),
            new("content_layer", ParamType.String, ParamValue.Of(DefaultContentLayer),
                "VGG19 layer whose features the content loss compares.", Allowed: Vgg19LayerNames),
            new("style_layers", ParamType.String, ParamValue.Of(DefaultStyleLayers),
                "Comma-separated VGG19 layers whose Gram matrices the style loss compares."),
            new("style_layer_weights", ParamType.String, null,
                "Comma-separated weights w_l, one per style layer; all 1 when not given."),
            new("content_weight", ParamType.Float, ParamValue.Of(1.0),
                "Weight of the content loss in the total loss.", Min: 0),
            new("style_weight", ParamType.Float, ParamValue.Of(1e6),
                "Weight of the style loss in the total loss.", Min: 0),
            new("tv_weight", ParamType.Float, ParamValue.Of(1e-3),
                "Weight of the total-variation loss in the total loss.", Min: 0),
            new("iterations", ParamType.Int, ParamValue.Of(300L),
                "Optimiser iterations; each is one loss/gradient evaluation and one update (0: evaluate step 0 only).",
                Min: 0, Max: 100_000),
            new("optimizer", ParamType.String, ParamValue.Of("lbfgs"),
                "lbfgs (no line search, one evaluation per iteration) or adam.", Allowed: ["lbfgs", "adam"]),
            new("lr", ParamType.Float, null,
                "Learning rate; 1 for lbfgs and 0.05 for adam when not given.", Min: 0, MinExclusive: true, Max: 1000),
            new("init", ParamType.String, ParamValue.Of("content"),
                "Initial image: the content image, Gaussian noise (seeded), or the style image.",
                Allowed: ["content", "noise", "style"]),
            new("preview_every", ParamType.Int, ParamValue.Of(50L),
                "Write previews/step-NNNN.png every this many iterations (and at the end); 0 for none.",
                Min: 0, Max: 100_000),
            new("seed", ParamType.Int, ParamValue.Of(0L), "Seed for the noise initialisation."),
            new("device", ParamType.String, ParamValue.Of("auto"),
                "auto (the slot's device; standalone: CUDA when available), cpu or cuda.", Allowed: ["auto", "cpu", "cuda"]),
            new("layer_views", ParamType.Bool, ParamValue.Of(true),
                "At the end, render what the layers see (views/*.png): the strongest channels of the content layer for the "
                + "content image and the result, and each style layer's Gram matrix for the style image and the result as heat maps."),
        ],
        ["total_loss", "content_loss", "style_loss", "tv_loss"]);

    private static List<string> LayerNames()
    {
        var names = new List<string>();
        int block = 1, conv = 1;
        foreach (var channels in Vgg19Config)
        {
            if (channels == 0)
            {
                names.Add($"pool{block}");
                block++;
                conv = 1;
            }
            else
            {
                names.Add($"conv{block}_{conv}");
                names.Add($"relu{block}_{conv}");
                conv++;
            }
        }
        return names;
    }
}
