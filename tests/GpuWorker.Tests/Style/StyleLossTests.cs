using Atelier.GpuWorker.Jobs.Style;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Tests.Style;

/// <summary>The loss formulas against small tensors computed by hand.</summary>
public sealed class StyleLossTests
{
    [Fact]
    public void Content_loss_is_the_plain_sum_of_squared_differences()
    {
        using var scope = torch.NewDisposeScope();
        var f = torch.tensor(new float[] { 1, 2, 3, 4 }, [1, 1, 2, 2]);
        var p = torch.tensor(new float[] { 0, 2, 5, 1 }, [1, 1, 2, 2]);
        // (1)² + 0² + (−2)² + 3² = 14: no ½, no mean.
        Assert.Equal(14f, StyleLosses.Content(f, p).item<float>());
    }

    [Fact]
    public void Gram_is_F_transpose_F_over_H_W_C()
    {
        using var scope = torch.NewDisposeScope();
        // C = 2 channels of 2×2: [1 2; 3 4] and [0 1; 0 1]; H·W·C = 8.
        var f = torch.tensor(new float[] { 1, 2, 3, 4, 0, 1, 0, 1 }, [1, 2, 2, 2]);
        var g = StyleLosses.Gram(f);
        Assert.Equal(new long[] { 2, 2 }, g.shape);
        Assert.Equal(30f / 8, g[0, 0].item<float>());
        Assert.Equal(6f / 8, g[0, 1].item<float>());
        Assert.Equal(6f / 8, g[1, 0].item<float>());
        Assert.Equal(2f / 8, g[1, 1].item<float>());
    }

    [Fact]
    public void Gram_is_symmetric_scales_quadratically_and_equals_the_HW_by_C_form()
    {
        using var scope = torch.NewDisposeScope();
        torch.random.manual_seed(7);
        var f = torch.randn(1, 5, 3, 4);
        var g = StyleLosses.Gram(f);
        Assert.True(torch.allclose(g, g.t()), "gram is not symmetric");
        Assert.True(torch.allclose(StyleLosses.Gram(f * 2), g * 4, rtol: 1e-5, atol: 1e-6), "gram(2F) != 4 gram(F)");
        // F reshaped to (H·W, C): Fᵀ F / (H·W·C).
        var hwByC = f[0].permute(1, 2, 0).reshape(12, 5);
        Assert.True(torch.allclose(g, hwByC.t().matmul(hwByC) / 60, rtol: 1e-5, atol: 1e-6));
        // Also for (C, H, W) input, and positive semi-definite: the diagonal is the mean square per channel / C.
        Assert.True(torch.allclose(StyleLosses.Gram(f[0]), g));
        Assert.True(torch.allclose(g.diagonal(), f[0].square().mean([1, 2]) / 5, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Style_layer_loss_is_the_squared_Frobenius_distance_of_the_grams()
    {
        using var scope = torch.NewDisposeScope();
        var f = torch.tensor(new float[] { 1, 2, 3, 4, 0, 1, 0, 1 }, [1, 2, 2, 2]);
        var target = torch.tensor(new float[] { 3, 1, 1, 0 }, [2, 2]);
        // gram = [3.75 .75; .75 .25]: (0.75)² + (−0.25)² + (−0.25)² + (0.25)² = 0.75
        Assert.Equal(0.75f, StyleLosses.StyleLayer(f, target).item<float>(), 6);
    }

    [Fact]
    public void Total_variation_follows_the_reference_slices()
    {
        using var scope = torch.NewDisposeScope();
        // One channel, H = 2, W = 3: [1 2 4; 0 3 5].
        var x = torch.tensor(new float[] { 1, 2, 4, 0, 3, 5 }, [1, 1, 2, 3]);
        // Σ(x[:, :H−1, 1:W] − x[:, :H−1, :W−1])² = (2−1)² + (4−2)² = 5 (row 0 only)
        // Σ(x[:, 1:H, :W−1] − x[:, :H−1, :W−1])² = (0−1)² + (3−2)² = 2 (columns 0, 1 only)
        Assert.Equal(7f, StyleLosses.TotalVariation(x).item<float>());
        // Channels add up; a constant image has none.
        Assert.Equal(14f, StyleLosses.TotalVariation(torch.cat([x, x], 1)).item<float>());
        Assert.Equal(0f, StyleLosses.TotalVariation(torch.ones(1, 3, 4, 4)).item<float>());
    }

    [Fact]
    public void Objective_total_is_the_weighted_sum_and_content_loss_is_zero_at_the_content_image()
    {
        using var scope = torch.NewDisposeScope();
        using var net = StyleTestData.Network();
        torch.random.manual_seed(3);
        var content = torch.randn(1, 3, 16, 16);
        var style = torch.randn(1, 3, 16, 16);
        string[] layers = ["relu1_1", "relu2_1", "relu3_1"];
        using var objective = new GatysObjective(net, content, style, "relu2_2", layers, new LossWeights(2, 100, 0.5, [1, 2, 0.5]));

        objective.Evaluate(content, out var atContent);
        Assert.Equal(0, atContent.Content);
        var x = torch.randn(1, 3, 16, 16);
        objective.Evaluate(x, out var terms);

        // The same terms straight from the formulas.
        var fx = net.Extract(x, layers.Append("relu2_2"));
        var fc = net.Extract(content, ["relu2_2"]);
        var fs = net.Extract(style, layers);
        var expectedContent = StyleLosses.Content(fx["relu2_2"], fc["relu2_2"]).item<float>();
        double[] w = [1, 2, 0.5];
        var expectedStyle = layers.Select((l, i) => w[i] * StyleLosses.StyleLayer(fx[l], StyleLosses.Gram(fs[l])).item<float>()).Sum();
        var expectedTv = StyleLosses.TotalVariation(x).item<float>();
        Assert.Equal(expectedContent, terms.Content, expectedContent * 1e-6);
        Assert.Equal(expectedStyle, terms.Style, expectedStyle * 1e-5);
        Assert.Equal(expectedTv, terms.Tv, expectedTv * 1e-6);
        Assert.Equal(2 * terms.Content + 100 * terms.Style + 0.5 * terms.Tv, terms.Total, terms.Total * 1e-5);
    }
}
