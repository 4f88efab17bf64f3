using Atelier.GpuWorker.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Tests.Imaging;

public sealed class FeaturePicturesTests
{
    private static readonly Rgb24 Lowest = new(68, 1, 84), Highest = new(253, 231, 37);

    [Fact]
    public void Strongest_channels_are_those_with_the_largest_mean_ties_by_index()
    {
        using var scope = NewDisposeScope();
        // Channel means 1, 5, 3, 5: channel 3 has one hot pixel, channel 1 is flat.
        var features = stack([full(2, 2, 1f), full(2, 2, 5f), full(2, 2, 3f), tensor(new[] { 20f, 0, 0, 0 }).view(2, 2)]);

        Assert.Equal([1L, 3L, 2L], FeaturePictures.StrongestChannels(features, 3));
        Assert.Equal([1L, 3L, 2L, 0L], FeaturePictures.StrongestChannels(features, 10));
    }

    [Fact]
    public void A_heat_map_runs_from_viridis_dark_at_the_low_end_to_yellow_at_the_high_end()
    {
        using var scope = NewDisposeScope();
        using var map = FeaturePictures.HeatMap(tensor(new[] { 0f, 2f, 4f, 8f }).view(2, 2));

        Assert.Equal(Lowest, map[0, 0]);
        Assert.Equal(FeaturePictures.Color(0.5), map[0, 1]);
        Assert.Equal(Highest, map[1, 1]);
        Assert.Equal(new Rgb24(33, 145, 140), FeaturePictures.Color(0.5)); // viridis' middle
        using var flat = FeaturePictures.HeatMap(zeros(2, 3));
        Assert.All(Pixels(flat), p => Assert.Equal(Lowest, p));
    }

    [Fact]
    public void A_grid_enlarges_small_tiles_by_whole_factors_shrinks_large_ones_and_centres_them()
    {
        using var small = new Image<Rgb24>(2, 2, new Rgb24(0, 0, 0));
        small[1, 0] = new Rgb24(255, 0, 0);
        using var wide = new Image<Rgb24>(16, 8, new Rgb24(0, 0, 255));
        using var grid = FeaturePictures.Grid([[small, null, wide]], cell: 8);

        Assert.Equal((3 * 8 + 4 * 2, 8 + 2 * 2), (grid.Width, grid.Height));
        // small: ×4, filling its cell at (2, 2); its red pixel is the top-right 4×4 block.
        Assert.Equal(new Rgb24(255, 0, 0), grid[2 + 4, 2]);
        Assert.Equal(new Rgb24(255, 0, 0), grid[2 + 7, 2 + 3]);
        Assert.Equal(new Rgb24(0, 0, 0), grid[2 + 3, 2]);
        // the empty cell stays background; wide: ×0.5 → 8×4, centred vertically (rows 2 + 2 … 2 + 5).
        Assert.Equal(new Rgb24(255, 255, 255), grid[12, 4]);
        var left = 2 + 2 * (8 + 2);
        Assert.Equal(new Rgb24(255, 255, 255), grid[left, 3]);
        Assert.Equal(new Rgb24(0, 0, 255), grid[left, 4]);
        Assert.Equal(new Rgb24(0, 0, 255), grid[left + 7, 7]);
        Assert.Equal(new Rgb24(255, 255, 255), grid[left, 8]);
    }

    [Fact]
    public void A_picture_is_the_rgb_planes_of_the_tensor()
    {
        using var scope = NewDisposeScope();
        var pixels = arange(12, ScalarType.Byte).view(3, 2, 2);
        using var picture = FeaturePictures.Picture(pixels);

        Assert.Equal(new Rgb24(1, 5, 9), picture[1, 0]);
        Assert.Equal(new Rgb24(2, 6, 10), picture[0, 1]);
    }

    private static IEnumerable<Rgb24> Pixels(Image<Rgb24> image)
    {
        for (var y = 0; y < image.Height; y++)
        for (var x = 0; x < image.Width; x++)
            yield return image[x, y];
    }
}
