using Atelier.GpuWorker.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Atelier.GpuWorker.Tests.Style;

/// <summary>JPEG pixels are exactly libjpeg-turbo's (as PIL's and torchvision's), so losses agree with PyTorch's.</summary>
public sealed class JpegDecodingTests
{
    public static TheoryData<string> Fixtures() =>
    [
        "baseline-420-37x29", "progressive-420-101x67", "baseline-422-restart-101x67", "baseline-440-64x48", "progressive-gray-101x67",
    ];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Pixels_equal_libjpeg_turbo(string name)
    {
        var jpeg = Path.Combine(FixtureDirectory(), name + ".jpg");
        var (expected, width, height) = ReadPpm(Path.Combine(FixtureDirectory(), name + ".libjpeg.ppm"));
        using var image = ImageFiles.LoadRgb(jpeg);
        Assert.Equal((width, height), (image.Width, image.Height));
        var actual = new Rgb24[width * height];
        image.CopyPixelDataTo(actual);
        var mismatches = Enumerable.Range(0, actual.Length)
            .Count(i => actual[i] != new Rgb24(expected[3 * i], expected[3 * i + 1], expected[3 * i + 2]));
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void ImageSharp_alone_would_differ_on_subsampled_chroma()
    {
        // Why the job decodes JPEG itself: ImageSharp replicates chroma samples where libjpeg interpolates.
        var jpeg = Path.Combine(FixtureDirectory(), "progressive-420-101x67.jpg");
        using var ours = ImageFiles.LoadRgb(jpeg);
        using var imageSharp = Image.Load<Rgb24>(jpeg);
        var a = new Rgb24[ours.Width * ours.Height];
        var b = new Rgb24[a.Length];
        ours.CopyPixelDataTo(a);
        imageSharp.CopyPixelDataTo(b);
        Assert.True(a.Zip(b).Count(p => p.First != p.Second) > a.Length / 20);
    }

    [Fact]
    public void Corrupt_entropy_data_is_refused()
    {
        using var temp = new StyleTestData.TempDirectory();
        var bytes = File.ReadAllBytes(Path.Combine(FixtureDirectory(), "baseline-420-37x29.jpg"));
        // Overwrite the Huffman tables' code counts with an impossible table (more codes than fit).
        var dht = IndexOfMarker(bytes, 0xC4);
        for (var i = 0; i < 16; i++) bytes[dht + 5 + i] = 0xFF;
        var path = temp.File("bad-huffman.jpg");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ImageLoadException>(() => ImageFiles.LoadRgb(path));
        Assert.Contains("bad-huffman.jpg", e.Message);
    }

    private static int IndexOfMarker(byte[] bytes, byte marker)
    {
        for (var i = 2; i + 1 < bytes.Length; i++)
            if (bytes[i] == 0xFF && bytes[i + 1] == marker) return i;
        throw new InvalidOperationException($"no marker FF{marker:X2}");
    }

    internal static string FixtureDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cluster.sln"))) directory = directory.Parent;
        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("repository root not found"),
            "tests", "GpuWorker.Tests", "Style", "Fixtures");
    }

    internal static (byte[] Rgb, int Width, int Height) ReadPpm(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var header = System.Text.Encoding.ASCII.GetString(bytes, 0, 32).Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries);
        int width = int.Parse(header[1]), height = int.Parse(header[2]);
        return (bytes[^(width * height * 3)..], width, height);
    }
}
