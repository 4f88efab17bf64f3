using System.Globalization;
using Atelier.Contracts.Jobs;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>
/// The checked parameters of one style-transfer run (see <see cref="StyleTransferJobDefinition.Definition"/> for their meaning).
/// <see cref="From"/> fails with a <see cref="JobParameterException"/> naming the parameter.
/// </summary>
public sealed record StyleSettings(
    string Content,
    string Style,
    int Size,
    string VggWeights,
    string ContentLayer,
    IReadOnlyList<string> StyleLayers,
    LossWeights Weights,
    int Iterations,
    string Optimizer,
    double LearningRate,
    string Init,
    int PreviewEvery,
    long Seed,
    string Device,
    bool LayerViews = true)
{
    public static StyleSettings From(JobParameters p)
    {
        var contentLayer = p.String("content_layer");
        if (Vgg19Features.IndexOf(contentLayer) < 0)
            throw Bad("content_layer", contentLayer, $"unknown layer; the layers are {string.Join(", ", Vgg19Features.LayerNames)}");

        var styleLayersText = p.String("style_layers");
        var styleLayers = styleLayersText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (styleLayers.Length == 0)
            throw Bad("style_layers", styleLayersText, "give at least one layer, e.g. " + StyleTransferJobDefinition.DefaultStyleLayers);
        foreach (var layer in styleLayers)
        {
            if (Vgg19Features.IndexOf(layer) < 0)
                throw Bad("style_layers", styleLayersText, $"unknown layer '{layer}'; the layers are {string.Join(", ", Vgg19Features.LayerNames)}");
        }
        if (styleLayers.Distinct().Count() != styleLayers.Length)
            throw Bad("style_layers", styleLayersText, "a layer is listed twice");

        var layerWeights = Enumerable.Repeat(1.0, styleLayers.Length).ToArray();
        if (p.Has("style_layer_weights"))
        {
            var text = p.String("style_layer_weights");
            var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != styleLayers.Length)
                throw Bad("style_layer_weights", text, $"give one weight per style layer ({styleLayers.Length}: {string.Join(", ", styleLayers)})");
            for (var i = 0; i < parts.Length; i++)
            {
                if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var w) || !double.IsFinite(w) || w < 0)
                    throw Bad("style_layer_weights", text, $"'{parts[i]}' is not a finite number >= 0");
                layerWeights[i] = w;
            }
        }

        var optimizer = p.String("optimizer");
        if (optimizer is not (OptimizerOptions.Lbfgs or OptimizerOptions.Adam))
            throw Bad("optimizer", optimizer, "must be one of lbfgs, adam");
        var lr = p.Has("lr") ? p.Double("lr") : OptimizerOptions.DefaultLearningRate(optimizer);

        return new StyleSettings(
            Content: p.String("content"),
            Style: p.String("style"),
            Size: p.Int("size"),
            VggWeights: p.String("vgg_weights"),
            ContentLayer: contentLayer,
            StyleLayers: styleLayers,
            Weights: new LossWeights(p.Double("content_weight"), p.Double("style_weight"), p.Double("tv_weight"), layerWeights),
            Iterations: p.Int("iterations"),
            Optimizer: optimizer,
            LearningRate: lr,
            Init: p.String("init"),
            PreviewEvery: p.Int("preview_every"),
            Seed: p.Long("seed"),
            Device: p.String("device"),
            LayerViews: p.Bool("layer_views"));
    }

    /// <summary>The side an image needs at least, for the deepest layer used to have an output.</summary>
    public int MinimumSide => StyleLayers.Append(ContentLayer).Max(Vgg19Features.MinimumSide);

    private static JobParameterException Bad(string name, string value, string problem) =>
        new($"parameter {name} = '{value}': {problem}");
}
