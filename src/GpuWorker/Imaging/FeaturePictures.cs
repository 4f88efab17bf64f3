using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Imaging;

/// <summary>
/// Pictures of what a network computes: feature maps and Gram matrices as heat maps, and grids of such tiles. Used
/// by both jobs' layer views. Heat maps use viridis (dark blue = low, yellow = high), which stays readable in grey.
/// </summary>
public static class FeaturePictures
{
    /// <summary>The gap between grid cells, in pixels, and its colour.</summary>
    public const int Gap = 2;

    private static readonly Rgb24 Background = new(255, 255, 255);

    // matplotlib's viridis at 0, 1/8, …, 1; values between are interpolated linearly.
    private static readonly (byte R, byte G, byte B)[] Viridis =
    [
        (68, 1, 84), (71, 45, 123), (59, 82, 139), (44, 114, 142), (33, 145, 140),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ];

    /// <summary>The viridis colour of <paramref name="v"/> in [0, 1] (clamped; NaN is the lowest colour).</summary>
    public static Rgb24 Color(double v)
    {
        if (!(v > 0)) v = 0;
        if (v > 1) v = 1;
        var x = v * (Viridis.Length - 1);
        var i = Math.Min((int)x, Viridis.Length - 2);
        var f = x - i;
        var (a, b) = (Viridis[i], Viridis[i + 1]);
        static byte Mix(byte p, byte q, double t) => (byte)Math.Round(p + (q - p) * t);
        return new Rgb24(Mix(a.R, b.R, f), Mix(a.G, b.G, f), Mix(a.B, b.B, f));
    }

    /// <summary>
    /// The indices of the <paramref name="count"/> channels of <paramref name="features"/> (C, H, W) with the largest
    /// mean, strongest first (ties: the lower index first).
    /// </summary>
    public static long[] StrongestChannels(Tensor features, int count)
    {
        if (features.dim() != 3) throw new ArgumentException($"expected (C, H, W) features, got ({string.Join(", ", features.shape)})");
        using var scope = NewDisposeScope();
        var means = features.detach().to(ScalarType.Float64).mean([1L, 2L]).cpu().data<double>().ToArray();
        return Enumerable.Range(0, means.Length).OrderByDescending(c => means[c]).ThenBy(c => c)
            .Take(Math.Min(count, means.Length)).Select(c => (long)c).ToArray();
    }

    /// <summary>
    /// A heat map of <paramref name="map"/> (H, W): <paramref name="low"/> is the darkest colour and
    /// <paramref name="high"/> the brightest; a map whose range is empty is all dark.
    /// </summary>
    public static Image<Rgb24> HeatMap(Tensor map, double low, double high)
    {
        if (map.dim() != 2) throw new ArgumentException($"expected an (H, W) map, got ({string.Join(", ", map.shape)})");
        using var scope = NewDisposeScope();
        int h = (int)map.shape[0], w = (int)map.shape[1];
        var values = map.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        var span = high - low;
        var image = new Image<Rgb24>(w, h);
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
            image[x, y] = Color(span > 0 ? (values[y * w + x] - low) / span : 0);
        return image;
    }

    /// <summary>A heat map of <paramref name="map"/> (H, W) from 0 (or its minimum, when negative) to its own maximum.</summary>
    public static Image<Rgb24> HeatMap(Tensor map)
    {
        using var scope = NewDisposeScope();
        var low = Math.Min(0, map.min().to(ScalarType.Float64).item<double>());
        var high = map.max().to(ScalarType.Float64).item<double>();
        return HeatMap(map, low, high);
    }

    /// <summary>
    /// One picture of <paramref name="rows"/> of tiles: every tile is scaled (nearest neighbour, see <see cref="Scale"/>:
    /// a small feature map by a whole factor, so each of its cells stays a visible square) to fit a
    /// <paramref name="cell"/>-pixel square and centred in it; a null tile leaves its cell blank. Cells are <see cref="Gap"/> pixels apart. The tiles stay the
    /// caller's.
    /// </summary>
    public static Image<Rgb24> Grid(IReadOnlyList<IReadOnlyList<Image<Rgb24>?>> rows, int cell)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cell);
        var columns = rows.Count == 0 ? 0 : rows.Max(r => r.Count);
        if (columns == 0) throw new ArgumentException("a grid needs at least one tile", nameof(rows));
        var width = columns * cell + (columns + 1) * Gap;
        var height = rows.Count * cell + (rows.Count + 1) * Gap;
        var grid = new Image<Rgb24>(width, height, Background);
        for (var r = 0; r < rows.Count; r++)
        for (var c = 0; c < rows[r].Count; c++)
        {
            if (rows[r][c] is not { } tile) continue;
            var scale = Scale(tile.Width, tile.Height, cell);
            int w = Math.Max(1, (int)(tile.Width * scale)), h = Math.Max(1, (int)(tile.Height * scale));
            var left = Gap + c * (cell + Gap) + (cell - w) / 2;
            var top = Gap + r * (cell + Gap) + (cell - h) / 2;
            for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                grid[left + x, top + y] = tile[x * tile.Width / w, y * tile.Height / h];
        }
        return grid;
    }

    /// <summary>
    /// How much a <paramref name="width"/> × <paramref name="height"/> tile is scaled to fit a <paramref name="cell"/>
    /// square: the largest whole factor when it is smaller, else the fraction that fits.
    /// </summary>
    public static double Scale(int width, int height, int cell)
    {
        var fit = Math.Min((double)cell / width, (double)cell / height);
        return fit >= 1 ? Math.Floor(fit) : fit;
    }

    /// <summary>An RGB picture of a uint8 (3, H, W) tensor.</summary>
    public static Image<Rgb24> Picture(Tensor pixels)
    {
        if (pixels.dim() != 3 || pixels.shape[0] != 3)
            throw new ArgumentException($"expected (3, H, W) pixels, got ({string.Join(", ", pixels.shape)})");
        using var scope = NewDisposeScope();
        int h = (int)pixels.shape[1], w = (int)pixels.shape[2], plane = h * w;
        var bytes = pixels.detach().to(ScalarType.Byte).cpu().contiguous().data<byte>().ToArray();
        var image = new Image<Rgb24>(w, h);
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
            image[x, y] = new Rgb24(bytes[y * w + x], bytes[plane + y * w + x], bytes[2 * plane + y * w + x]);
        return image;
    }

    /// <summary>Disposes every tile of <paramref name="rows"/>.</summary>
    public static void DisposeAll(IEnumerable<IEnumerable<Image<Rgb24>?>> rows)
    {
        foreach (var row in rows)
        foreach (var tile in row) tile?.Dispose();
    }
}
