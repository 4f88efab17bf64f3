using System.Text.Json;
using Atelier.GpuWorker.Imaging;
using Atelier.Contracts.Jobs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>
/// What the layers of a style transfer see, as pictures in <c>views/</c>: <c>content-layer.png</c>, two rows (the
/// content image, the result): the picture, then the <see cref="Channels"/> channels of the content layer that are
/// strongest for the content image, each channel on one colour scale for both rows (0 to the larger maximum), so a
/// difference between the rows is a difference the content loss sees; <c>gram-LAYER.png</c> for each style layer: the
/// style image's Gram matrix (left) and the result's (right) on the style image's scale, channels ordered by the
/// style image's diagonal (its strongest channels top left); and <c>views.json</c>, which says what each tile shows.
/// </summary>
public static class StyleLayerViews
{
    public const int Channels = LayerViews.StyleChannels;

    /// <summary>The side of a content-layer grid cell, in pixels.</summary>
    public const int ContentCell = 128;

    /// <summary>
    /// The side of a Gram matrix picture: 64 and 128 channels are enlarged to it, 512 averaged in 2×2 blocks down to it.
    /// </summary>
    public const int GramCell = 256;

    /// <summary>
    /// Renders the views of <paramref name="result"/> (a normalised (1, 3, H, W) image, as the objective takes it)
    /// against <paramref name="content"/> and <paramref name="style"/>; returns the files written.
    /// </summary>
    public static IReadOnlyList<string> Write(Vgg19Features net, StyleSettings settings, Tensor content, Tensor style,
        Tensor result, string workDirectory)
    {
        var folder = Path.Combine(workDirectory, LayerViews.Directory);
        Directory.CreateDirectory(folder);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var written = new List<string>();

        var layer = settings.ContentLayer;
        var contentFeatures = net.Extract(content, [layer])[layer][0];
        // One pass of the result through the network for every layer shown.
        var resultAll = net.Extract(result, settings.StyleLayers.Append(layer));
        var resultFeatures = resultAll[layer][0];
        var channels = FeaturePictures.StrongestChannels(contentFeatures, Channels);
        var contentFile = Path.Combine(folder, "content-layer.png");
        WriteContentLayer(contentFile, content, result, contentFeatures, resultFeatures, channels);
        written.Add(contentFile);

        var styleFeatures = net.Extract(style, settings.StyleLayers);
        var grams = new List<object>();
        foreach (var styleLayer in settings.StyleLayers)
        {
            var file = Path.Combine(folder, $"gram-{styleLayer}.png");
            var styleGram = StyleLosses.Gram(styleFeatures[styleLayer]);
            var resultGram = StyleLosses.Gram(resultAll[styleLayer]);
            var order = WriteGrams(file, styleGram, resultGram);
            grams.Add(new { file = Path.GetFileName(file), layer = styleLayer, channels = styleGram.shape[0], order });
            written.Add(file);
        }

        var manifest = new
        {
            content_layer = new
            {
                file = Path.GetFileName(contentFile),
                layer,
                shape = contentFeatures.shape,
                rows = new[] { "content", "result" },
                channels,
            },
            grams,
            gram_colour = "sqrt(G / max|G_style|), per layer; the result's values above the style image's maximum are clipped",
        };
        var json = Path.Combine(folder, LayerViews.Manifest);
        File.WriteAllText(json, JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }));
        written.Add(json);
        return written;
    }

    private static void WriteContentLayer(string file, Tensor content, Tensor result, Tensor contentFeatures,
        Tensor resultFeatures, long[] channels)
    {
        var rows = new List<List<Image<Rgb24>?>> { new() { ImageTensors.ToImage(content) }, new() { ImageTensors.ToImage(result) } };
        try
        {
            foreach (var c in channels)
            {
                using var scope = NewDisposeScope();
                var (a, b) = (contentFeatures[c], resultFeatures[c]);
                var high = maximum(a.max(), b.max()).to(ScalarType.Float64).item<double>();
                var low = Math.Min(0, minimum(a.min(), b.min()).to(ScalarType.Float64).item<double>());
                rows[0].Add(FeaturePictures.HeatMap(a, low, high));
                rows[1].Add(FeaturePictures.HeatMap(b, low, high));
            }
            using var grid = FeaturePictures.Grid(rows, ContentCell);
            ImageFiles.SavePng(grid, file);
        }
        finally
        {
            FeaturePictures.DisposeAll(rows);
        }
    }

    /// <summary>Both Gram matrices side by side; returns the channel order used (by the style image's diagonal, descending).</summary>
    private static long[] WriteGrams(string file, Tensor styleGram, Tensor resultGram)
    {
        using var scope = NewDisposeScope();
        var order = styleGram.diagonal().argsort(descending: true);
        var tiles = new List<Image<Rgb24>?>();
        try
        {
            var scale = styleGram.abs().max().to(ScalarType.Float64).item<double>();
            foreach (var gram in new[] { styleGram, resultGram })
            {
                var shown = Colour(gram.index_select(0, order).index_select(1, order), scale);
                tiles.Add(FeaturePictures.HeatMap(Shrink(shown), Math.Min(0, shown.min().item<double>()), 1));
            }
            using var grid = FeaturePictures.Grid([tiles], GramCell);
            ImageFiles.SavePng(grid, file);
            return order.cpu().data<long>().ToArray();
        }
        finally
        {
            foreach (var tile in tiles) tile?.Dispose();
        }
    }

    /// <summary>sqrt(G / scale) keeping the sign: a Gram matrix's diagonal dwarfs the rest, the root shows both.</summary>
    private static Tensor Colour(Tensor gram, double scale)
    {
        var v = gram.to(ScalarType.Float64).Over(scale > 0 ? scale : 1);
        return v.sign().mul(v.abs().sqrt());
    }

    /// <summary>A (C, C) matrix averaged in blocks down to at most <see cref="GramCell"/> a side.</summary>
    private static Tensor Shrink(Tensor matrix)
    {
        var c = matrix.shape[0];
        if (c <= GramCell) return matrix;
        var k = (c + GramCell - 1) / GramCell;
        return nn.functional.avg_pool2d(matrix.view(1, 1, c, c), k, k).view(c / k, c / k);
    }
}
