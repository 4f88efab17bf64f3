using System.Text.Json;
using Atelier.GpuWorker.Imaging;
using Atelier.Contracts.Jobs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// What each layer of a trained <see cref="Vgg19Cifar"/> sees (the write-up's 中间层可视化), as pictures in
/// <c>views/</c>: <c>block1.png … block5.png</c>, one per block, a row per fixed test image (the first test image of
/// each of the first <see cref="Images"/> classes present): the image, then its <see cref="Channels"/> strongest
/// channels of the block's output as heat maps, each scaled to its own maximum; <c>top-images.png</c>, a row per
/// channel for <see cref="TopChannels"/> channels of the last block (see <see cref="SelectiveChannels"/>): the
/// <see cref="TopImages"/> test images that activate it most; and <c>views.json</c>, which says which images and
/// channels every tile shows.
/// </summary>
public static class CifarLayerViews
{
    public const int Images = LayerViews.CifarImages, Channels = LayerViews.CifarChannels,
        TopChannels = LayerViews.CifarTopChannels, TopImages = LayerViews.CifarTopImages;

    /// <summary>The side of a grid cell in pixels: a 32 px image twice, a 2 px block-5 map 32 times.</summary>
    public const int Cell = 64;

    private const long Batch = 500;

    /// <summary>Renders the views of <paramref name="model"/> on <paramref name="pipeline"/>'s test images; returns the files written.</summary>
    public static IReadOnlyList<string> Write(Vgg19Cifar model, CifarPipeline pipeline, string workDirectory)
    {
        if (pipeline.TestCount == 0) throw new InvalidOperationException("layer views need test images; the test set is empty");
        var folder = Path.Combine(workDirectory, LayerViews.Directory);
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var chosen = FixedImages(pipeline);
            var pixels = cat(chosen.Select(i => pipeline.TestPixels(i, 1)).ToArray());
            var normalised = cat(chosen.Select(i => pipeline.TestBatch(i, 1).Images).ToArray());
            var blocks = model.BlockOutputs(normalised);
            var blockChannels = new List<long[][]>();
            for (var b = 0; b < blocks.Count; b++)
            {
                var file = Path.Combine(folder, $"block{b + 1}.png");
                blockChannels.Add(WriteBlock(file, pixels, blocks[b]));
                written.Add(file);
            }
            var topFile = Path.Combine(folder, "top-images.png");
            var top = WriteTopImages(topFile, model, pipeline);
            written.Add(topFile);

            var labels = pipeline.TestLabels.cpu().data<long>().ToArray();
            var manifest = new
            {
                images = chosen.Select(i => new { test_index = i, label = labels[i] }),
                blocks = blocks.Select((output, b) => new
                {
                    file = $"block{b + 1}.png",
                    shape = output.shape.Skip(1),
                    channels = blockChannels[b],
                }),
                top_images = new
                {
                    file = "top-images.png",
                    block = blocks.Count,
                    rows = top.Select(t => new { channel = t.Channel, test_indices = t.Images, mean_activations = t.Means }),
                },
            };
            var json = Path.Combine(folder, LayerViews.Manifest);
            File.WriteAllText(json, JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }));
            written.Add(json);
            return written;
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>The first test image of each class in label order, up to <see cref="Images"/> of them.</summary>
    public static IReadOnlyList<long> FixedImages(CifarPipeline pipeline)
    {
        var labels = pipeline.TestLabels.cpu().data<long>().ToArray();
        return Enumerable.Range(0, CifarDataset.Classes)
            .Select(c => Array.IndexOf(labels, (long)c))
            .Where(i => i >= 0)
            .Take(Images)
            .Select(i => (long)i)
            .ToList();
    }

    /// <summary>One row per image: the picture, then its strongest channels; returns the channels of each row.</summary>
    private static long[][] WriteBlock(string file, Tensor pixels, Tensor output)
    {
        var rows = new List<List<Image<Rgb24>?>>();
        var channels = new long[output.shape[0]][];
        try
        {
            for (var i = 0; i < output.shape[0]; i++)
            {
                using var features = output[i];
                channels[i] = FeaturePictures.StrongestChannels(features, Channels);
                var row = new List<Image<Rgb24>?>();
                rows.Add(row);
                using (var picture = pixels[i]) row.Add(FeaturePictures.Picture(picture));
                foreach (var c in channels[i])
                {
                    using var map = features[c];
                    row.Add(FeaturePictures.HeatMap(map));
                }
            }
            using var grid = FeaturePictures.Grid(rows, Cell);
            ImageFiles.SavePng(grid, file);
            return channels;
        }
        finally
        {
            FeaturePictures.DisposeAll(rows);
        }
    }

    private sealed record TopRow(long Channel, long[] Images, double[] Means);

    /// <summary>
    /// Up to <see cref="TopChannels"/> channels with their <see cref="TopImages"/> most activating images: the most
    /// selective channels first (the largest spread of their mean activation over the test images), skipping one whose
    /// top images are half or more those of a channel already taken (the channels with the largest means tend to fire for
    /// the same bright images), then filling up with the skipped ones in order.
    /// </summary>
    private static IReadOnlyList<TopRow> SelectiveChannels(Tensor perImage)
    {
        var k = (int)Math.Min(TopImages, perImage.shape[0]);
        var spread = perImage.std([0L]).data<double>().ToArray();
        var rows = Enumerable.Range(0, spread.Length).OrderByDescending(c => spread[c]).ThenBy(c => c).Select(c =>
        {
            using var scope = NewDisposeScope();
            var (values, indices) = perImage.select(1, c).topk(k);
            return new TopRow(c, indices.data<long>().ToArray(), values.data<double>().ToArray());
        }).ToList();
        var taken = new List<TopRow>();
        foreach (var row in rows)
        {
            if (taken.Count == TopChannels) break;
            if (taken.All(t => t.Images.Intersect(row.Images).Count() * 2 < k)) taken.Add(row);
        }
        taken.AddRange(rows.Except(taken).Take(TopChannels - taken.Count));
        return taken;
    }

    /// <summary>The last block's strongest channels over the whole test set, each with the images that activate it most.</summary>
    private static IReadOnlyList<TopRow> WriteTopImages(string file, Vgg19Cifar model, CifarPipeline pipeline)
    {
        using var scope = NewDisposeScope();
        var means = new List<Tensor>();
        for (long start = 0; start < pipeline.TestCount; start += Batch)
        {
            // Each batch's activations of every block go at once; only the last block's means stay.
            using var batch = NewDisposeScope();
            var (images, _) = pipeline.TestBatch(start, Math.Min(Batch, pipeline.TestCount - start));
            means.Add(model.BlockOutputs(images)[^1].mean([2L, 3L]).to(ScalarType.Float64).cpu().MoveToOuterDisposeScope());
        }
        var perImage = cat(means.ToArray()); // (M, C): each test image's mean activation of each channel
        var chosen = SelectiveChannels(perImage);
        var rows = new List<List<Image<Rgb24>?>>();
        var result = new List<TopRow>();
        try
        {
            foreach (var row in chosen)
            {
                result.Add(row);
                rows.Add(row.Images.Select(i => (Image<Rgb24>?)FeaturePictures.Picture(pipeline.TestPixels(i, 1)[0])).ToList());
            }
            using var grid = FeaturePictures.Grid(rows, Cell);
            ImageFiles.SavePng(grid, file);
            return result;
        }
        finally
        {
            FeaturePictures.DisposeAll(rows);
        }
    }
}
