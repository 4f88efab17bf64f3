using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>
/// The loss terms of Gatys style transfer, exactly as the reference formulas (no hidden ½ or mean factors):
/// <list type="bullet">
/// <item>content = Σ (F − P)²</item>
/// <item>gram(F) = Fᵀ F / (H·W·C), F reshaped to (H·W, C)</item>
/// <item>style = Σ_l w_l ‖gram(F_l) − gram(S_l)‖²_F</item>
/// <item>tv = Σ (x[:, :H−1, 1:W] − x[:, :H−1, :W−1])² + Σ (x[:, 1:H, :W−1] − x[:, :H−1, :W−1])²</item>
/// </list>
/// Each returns a 0-dimensional tensor in the caller's dispose scope.
/// </summary>
public static class StyleLosses
{
    public static Tensor Content(Tensor features, Tensor target) => (features - target).Squared().sum();

    /// <summary>The (C, C) Gram matrix of a (1, C, H, W) or (C, H, W) feature map.</summary>
    public static Tensor Gram(Tensor features)
    {
        var f = features.dim() == 4 ? features.squeeze(0) : features;
        if (f.dim() != 3)
            throw new ArgumentException($"expected (1, C, H, W) or (C, H, W) features, got ({string.Join(", ", features.shape)})");
        long c = f.shape[0], hw = f.shape[1] * f.shape[2];
        var m = f.reshape(c, hw); // = Fᵀ for F of shape (H·W, C)
        return m.matmul(m.t()).Over(hw * c);
    }

    /// <summary>‖gram(F) − A‖²_F for one layer, given the target Gram matrix A.</summary>
    public static Tensor StyleLayer(Tensor features, Tensor targetGram) => (Gram(features) - targetGram).Squared().sum();

    /// <summary>The total variation of a (1, C, H, W) or (C, H, W) image, over its last two dimensions.</summary>
    public static Tensor TotalVariation(Tensor x)
    {
        var hDim = x.dim() - 2;
        var wDim = x.dim() - 1;
        long h = x.shape[hDim], w = x.shape[wDim];
        if (h < 2 || w < 2) return torch.zeros([], x.dtype, x.device);
        var corner = x.narrow(hDim, 0, h - 1).narrow(wDim, 0, w - 1);       // x[:, :H−1, :W−1]
        var right = x.narrow(hDim, 0, h - 1).narrow(wDim, 1, w - 1);        // x[:, :H−1, 1:W]
        var below = x.narrow(hDim, 1, h - 1).narrow(wDim, 0, w - 1);        // x[:, 1:H, :W−1]
        return (right - corner).Squared().sum().Plus((below - corner).Squared().sum());
    }
}
