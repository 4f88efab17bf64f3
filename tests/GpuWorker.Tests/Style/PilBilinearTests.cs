using Atelier.GpuWorker.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Atelier.GpuWorker.Tests.Style;

/// <summary>The job's resize gives the bytes Pillow's bilinear resize gives (Fixtures/pil_resize.py wrote them).</summary>
public sealed class PilBilinearTests
{
    [Theory]
    [InlineData(40, 27)]   // shrink both ways
    [InlineData(61, 45)]   // shrink slightly
    [InlineData(150, 30)]  // widen one side, shrink the other
    [InlineData(7, 5)]     // shrink by more than 10
    [InlineData(101, 200)] // enlarge one side only
    [InlineData(33, 67)]   // shrink one side only
    public void Resizing_gives_exactly_pillows_bytes(int width, int height)
    {
        var directory = JpegDecodingTests.FixtureDirectory();
        var (source, sourceWidth, sourceHeight) = JpegDecodingTests.ReadPpm(Path.Combine(directory, "baseline-422-restart-101x67.libjpeg.ppm"));
        var (expected, _, _) = JpegDecodingTests.ReadPpm(Path.Combine(directory, $"resize-101x67-to-{width}x{height}.pil.ppm"));

        using var image = Image.LoadPixelData<Rgb24>(source, sourceWidth, sourceHeight);
        using var resized = PilBilinear.Resize(image, width, height);
        var actual = new byte[width * height * 3];
        resized.CopyPixelDataTo(actual);

        var differing = Enumerable.Range(0, actual.Length).Count(i => actual[i] != expected[i]);
        Assert.True(differing == 0, $"{differing} of {actual.Length} bytes differ from Pillow's");
    }
}
