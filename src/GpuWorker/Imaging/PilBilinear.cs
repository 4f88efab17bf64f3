using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Atelier.GpuWorker.Imaging;

/// <summary>
/// Bilinear resizing of 8-bit RGB that gives the same bytes as Pillow's <c>Image.resize(size, Image.BILINEAR)</c>
/// (which torchvision's <c>Resize</c> calls on PIL images): a triangle filter widened by the scale when shrinking,
/// coefficients normalised per output pixel and rounded to 22-bit fixed point, a horizontal pass rounded to bytes and
/// then a vertical one. A general-purpose resampler (ImageSharp's triangle) differs by ±1 here and there, which moves
/// the style-transfer losses by up to ~1e-3 relative against a PyTorch reference; these bytes do not.
/// </summary>
public static class PilBilinear
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>A new image of <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static Image<Rgb24> Resize(Image<Rgb24> source, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        int inWidth = source.Width, inHeight = source.Height;
        var pixels = new byte[inWidth * inHeight * 3];
        source.CopyPixelDataTo(pixels);

        var horizontal = Coefficients.For(inWidth, width);
        var vertical = Coefficients.For(inHeight, height);
        // Only the rows the vertical pass reads go through the horizontal one (as Pillow does; same bytes either way).
        var firstRow = vertical.Start[0];
        var lastRow = vertical.Start[height - 1] + vertical.Count[height - 1];
        var rows = lastRow - firstRow;

        var temp = new byte[width * rows * 3];
        for (var y = 0; y < rows; y++)
        {
            var input = (firstRow + y) * inWidth * 3;
            for (var xx = 0; xx < width; xx++)
            {
                int r = 1 << (PrecisionBits - 1), g = r, b = r;
                var k = xx * horizontal.KernelSize;
                var start = input + horizontal.Start[xx] * 3;
                for (var x = 0; x < horizontal.Count[xx]; x++)
                {
                    var w = horizontal.Weights[k + x];
                    r += pixels[start + x * 3] * w;
                    g += pixels[start + x * 3 + 1] * w;
                    b += pixels[start + x * 3 + 2] * w;
                }
                var o = (y * width + xx) * 3;
                temp[o] = Clip(r);
                temp[o + 1] = Clip(g);
                temp[o + 2] = Clip(b);
            }
        }

        var output = new byte[width * height * 3];
        var stride = width * 3;
        for (var yy = 0; yy < height; yy++)
        {
            var k = yy * vertical.KernelSize;
            var start = (vertical.Start[yy] - firstRow) * stride;
            for (var xc = 0; xc < stride; xc++)
            {
                var sum = 1 << (PrecisionBits - 1);
                for (var y = 0; y < vertical.Count[yy]; y++)
                    sum += temp[start + y * stride + xc] * vertical.Weights[k + y];
                output[yy * stride + xc] = Clip(sum);
            }
        }
        return Image.LoadPixelData<Rgb24>(output, width, height);
    }

    private static byte Clip(int value) => (byte)Math.Clamp(value >> PrecisionBits, 0, 255);

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1 ? 1 - x : 0;
    }

    /// <summary>Per output pixel: the first input pixel, how many are read, and their fixed-point weights.</summary>
    private sealed record Coefficients(int[] Start, int[] Count, int[] Weights, int KernelSize)
    {
        public static Coefficients For(int inSize, int outSize)
        {
            var scale = (double)inSize / outSize;
            var filterScale = Math.Max(scale, 1.0);
            var support = 1.0 * filterScale; // the triangle's support is 1
            var kernelSize = (int)Math.Ceiling(support) * 2 + 1;
            var reciprocal = 1.0 / filterScale; // multiplied, not divided: the same rounding as Pillow
            var start = new int[outSize];
            var count = new int[outSize];
            var weights = new int[outSize * kernelSize];
            var k = new double[kernelSize];
            for (var xx = 0; xx < outSize; xx++)
            {
                var center = (xx + 0.5) * scale;
                var min = Math.Max(0, (int)(center - support + 0.5));
                var n = Math.Min(inSize, (int)(center + support + 0.5)) - min;
                var total = 0.0;
                for (var x = 0; x < n; x++)
                {
                    k[x] = Triangle((x + min - center + 0.5) * reciprocal);
                    total += k[x];
                }
                for (var x = 0; x < n; x++)
                {
                    var w = total == 0 ? k[x] : k[x] / total;
                    weights[xx * kernelSize + x] = (int)(w * (1 << PrecisionBits) + (w < 0 ? -0.5 : 0.5));
                }
                start[xx] = min;
                count[xx] = n;
            }
            return new Coefficients(start, count, weights, kernelSize);
        }
    }
}
