using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>The unweighted loss terms at one image, and the weighted total that is optimised.</summary>
public readonly record struct LossTerms(double Content, double Style, double Tv, double Total)
{
    public IReadOnlyDictionary<string, double> ToMetrics() => new Dictionary<string, double>
    {
        ["content_loss"] = Content,
        ["style_loss"] = Style,
        ["tv_loss"] = Tv,
        ["total_loss"] = Total,
    };
}

/// <summary>The weights of the three terms and of each style layer.</summary>
public sealed record LossWeights(double Content, double Style, double Tv, IReadOnlyList<double> StyleLayers);

/// <summary>
/// The Gatys objective for one content and one style image: the content target P (content layer features of the
/// content image) and the style targets A_l (Gram matrices of the style image) are computed once and held until disposed.
/// total = content_weight·content + style_weight·style + tv_weight·tv (see <see cref="StyleLosses"/>).
/// </summary>
public sealed class GatysObjective : IDisposable
{
    private readonly Vgg19Features _net;
    private readonly string _contentLayer;
    private readonly IReadOnlyList<string> _styleLayers;
    private readonly LossWeights _weights;
    private readonly string[] _layers;
    private readonly Tensor _contentTarget;
    private readonly Tensor[] _styleTargets;

    public GatysObjective(Vgg19Features net, Tensor content, Tensor style, string contentLayer,
        IReadOnlyList<string> styleLayers, LossWeights weights)
    {
        if (weights.StyleLayers.Count != styleLayers.Count)
            throw new ArgumentException($"{styleLayers.Count} style layers but {weights.StyleLayers.Count} layer weights");
        _net = net;
        _contentLayer = contentLayer;
        _styleLayers = styleLayers;
        _weights = weights;
        _layers = styleLayers.Append(contentLayer).Distinct().ToArray();

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        _contentTarget = net.Extract(content, [contentLayer])[contentLayer].detach().clone().DetachFromDisposeScope();
        var styleFeatures = net.Extract(style, styleLayers);
        _styleTargets = styleLayers.Select(l => StyleLosses.Gram(styleFeatures[l]).detach().DetachFromDisposeScope()).ToArray();
    }

    /// <summary>
    /// Evaluates the objective at <paramref name="x"/> (normalised, (1, 3, H, W)): returns the weighted total as a tensor
    /// (for backward) and the terms as numbers. All tensors it makes belong to the caller's dispose scope.
    /// </summary>
    public Tensor Evaluate(Tensor x, out LossTerms terms)
    {
        var features = _net.Extract(x, _layers);
        var content = StyleLosses.Content(features[_contentLayer], _contentTarget);
        var style = torch.zeros([], x.dtype, x.device);
        for (var i = 0; i < _styleLayers.Count; i++)
            style = style.Plus(StyleLosses.StyleLayer(features[_styleLayers[i]], _styleTargets[i]).Times(_weights.StyleLayers[i]));
        var tv = StyleLosses.TotalVariation(x);
        var total = content.Times(_weights.Content).Plus(style.Times(_weights.Style)).Plus(tv.Times(_weights.Tv));
        // One transfer to the host for all four numbers.
        var values = torch.stack([content.detach(), style.detach(), tv.detach(), total.detach()]).to(torch.CPU).data<float>().ToArray();
        terms = new LossTerms(values[0], values[1], values[2], values[3]);
        return total;
    }

    public void Dispose()
    {
        _contentTarget.Dispose();
        foreach (var t in _styleTargets) t.Dispose();
    }
}
