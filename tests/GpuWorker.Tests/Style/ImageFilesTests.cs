using System.Buffers.Binary;
using Atelier.GpuWorker.Imaging;
using Atelier.GpuWorker.Jobs.Style;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;

namespace Atelier.GpuWorker.Tests.Style;

/// <summary>Image input is identified before decoding, capped, and refused when corrupt or truncated.</summary>
public sealed class ImageFilesTests
{
    [Fact]
    public void Png_round_trips_pixel_for_pixel()
    {
        using var temp = new StyleTestData.TempDirectory();
        using var image = BuiltinImages.Render("builtin:landscape", 40, 30);
        var path = temp.File("a.png");
        ImageFiles.SavePng(image, path);
        using var loaded = ImageFiles.LoadRgb(path);
        Assert.Equal((40, 30), (loaded.Width, loaded.Height));
        Assert.Equal(Pixels(image), Pixels(loaded));
    }

    [Fact]
    public void Jpeg_loads()
    {
        using var temp = new StyleTestData.TempDirectory();
        using var image = BuiltinImages.Render("builtin:swirls", 33, 17);
        var path = temp.File("a.jpg");
        image.Save(path, new JpegEncoder { Quality = 90 });
        using var loaded = ImageFiles.LoadRgb(path);
        Assert.Equal((33, 17), (loaded.Width, loaded.Height));
    }

    [Fact]
    public void An_image_past_the_pixel_cap_is_refused_from_its_header_alone()
    {
        using var temp = new StyleTestData.TempDirectory();
        // A 60-byte PNG claiming 5000 × 5000: refused without decoding (there is nothing to decode).
        var path = temp.File("huge.png");
        File.WriteAllBytes(path, PngHeaderOnly(5000, 5000));
        var e = Assert.Throws<ImageLoadException>(() => ImageFiles.LoadRgb(path, "content image"));
        Assert.Contains("content image", e.Message);
        Assert.Contains("huge.png", e.Message);
        Assert.Contains("5000×5000 = 25000000 pixels is more than the limit of 16777216", e.Message);

        // A real image against a smaller cap.
        using var image = BuiltinImages.Render("builtin:landscape", 20, 10);
        var small = temp.File("small.png");
        ImageFiles.SavePng(image, small);
        Assert.Contains("200 pixels is more than the limit of 100", Assert.Throws<ImageLoadException>(() => ImageFiles.LoadRgb(small, maxPixels: 100)).Message);
    }

    [Fact]
    public void Truncated_png_and_jpeg_are_refused()
    {
        using var temp = new StyleTestData.TempDirectory();
        using var image = BuiltinImages.Render("builtin:swirls", 48, 48);
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        using var jpg = new MemoryStream();
        image.SaveAsJpeg(jpg);

        var cutPng = temp.File("cut.png");
        File.WriteAllBytes(cutPng, png.ToArray()[..(int)(png.Length * 2 / 3)]);
        var e = Assert.Throws<ImageLoadException>(() => ImageFiles.LoadRgb(cutPng, "style image"));
        Assert.Contains("style image", e.Message);
        Assert.Contains("cut.png", e.Message);
        Assert.Contains("truncated", e.Message);

        var cutJpg = temp.File("cut.jpg");
        File.WriteAllBytes(cutJpg, jpg.ToArray()[..(int)(jpg.Length * 2 / 3)]);
        e = Assert.Throws<ImageLoadException>(() => ImageFiles.LoadRgb(cutJpg));
        Assert.Contains("cut.jpg", e.Message);
        Assert.Contains("truncated", e.Message);

        // Cut inside the header: no size can be read.
        var stub = temp.File("stub.jpg");
        File.WriteAllBytes(stub, jpg.ToArray()[..40]);
        Assert.Contains("stub.jpg", Assert.Throws<ImageLoadException>(() => ImageFiles.LoadRgb(stub)).Message);
    }

    [Fact]
    public void Corrupt_data_and_other_files_are_refused()
    {
        using var temp = new StyleTestData.TempDirectory();
        var text = temp.File("notes.png");
        File.WriteAllText(text, "not an image at all");
        Assert.Contains("not a PNG or JPEG image", Assert.Throws<ImageLoadException>(() => ImageFiles.LoadRgb(text)).Message);

        var missing = temp.File("missing.png");
        Assert.Contains("no such file", Assert.Throws<ImageLoadException>(() => ImageFiles.LoadRgb(missing)).Message);

        // A complete PNG whose compressed pixel data is garbage (chunk lengths intact, CRCs recomputed).
        using var image = BuiltinImages.Render("builtin:landscape", 32, 32);
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        var bytes = png.ToArray();
        var idat = FindChunk(bytes, "IDAT");
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(idat));
        for (var i = idat + 8 + 2; i < idat + 8 + length; i++) bytes[i] = (byte)(i * 37);
        FixCrc(bytes, idat, length);
        var corrupt = temp.File("corrupt.png");
        File.WriteAllBytes(corrupt, bytes);
        var e = Assert.Throws<ImageLoadException>(() => ImageFiles.LoadRgb(corrupt));
        Assert.Contains("corrupt.png", e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void Longer_side_fitting_keeps_the_aspect_and_leaves_equal_sizes_alone()
    {
        Assert.Equal((64, 48), ImageFiles.FitLongerSide(640, 480, 64));
        Assert.Equal((48, 64), ImageFiles.FitLongerSide(480, 640, 64));
        Assert.Equal((640, 480), ImageFiles.FitLongerSide(640, 480, 640));
        Assert.Equal((640, 480), ImageFiles.FitLongerSide(640, 480, 0));
        Assert.Equal((100, 1), ImageFiles.FitLongerSide(1000, 3, 100));
        Assert.Equal((33, 17), ImageFiles.FitLongerSide(100, 51, 33)); // 16.83 rounds to 17

        var image = BuiltinImages.Render("builtin:landscape", 20, 10);
        var before = Pixels(image);
        Assert.Same(image, ImageFiles.Resized(image, 20, 10));
        Assert.Equal(before, Pixels(image));
        using var smaller = ImageFiles.Resized(image, 10, 5);
        Assert.Equal((10, 5), (smaller.Width, smaller.Height));
    }

    [Fact]
    public void Builtin_images_are_deterministic_and_named()
    {
        using var a = BuiltinImages.Render("builtin:landscape", 64, 48);
        using var b = BuiltinImages.Render("builtin:landscape", 64, 48);
        using var s = BuiltinImages.Render("builtin:swirls", 64, 48);
        Assert.Equal(Pixels(a), Pixels(b));
        Assert.NotEqual(Pixels(a), Pixels(s));
        // Not flat: both have real structure for the features to see.
        Assert.True(Pixels(a).Distinct().Count() > 50);
        Assert.True(Pixels(s).Distinct().Count() > 50);
        var e = Assert.Throws<ImageLoadException>(() => BuiltinImages.Render("builtin:nope", 8, 8));
        Assert.Contains("builtin:landscape, builtin:swirls, builtin:blank", e.Message);
        using var blank = BuiltinImages.Render("builtin:blank", 7, 5);
        Assert.Equal([new Rgb24(255, 255, 255)], Pixels(blank).Distinct().ToArray());
    }

    [Fact]
    public void Tensors_are_imagenet_normalised_and_convert_back_exactly()
    {
        using var scope = torch.NewDisposeScope();
        using var image = new Image<Rgb24>(2, 1);
        image[0, 0] = new Rgb24(255, 0, 128);
        image[1, 0] = new Rgb24(10, 200, 30);
        var x = ImageTensors.ToNormalized(image);
        Assert.Equal(new long[] { 1, 3, 1, 2 }, x.shape);
        Assert.Equal((1f - 0.485f) / 0.229f, x[0, 0, 0, 0].item<float>(), 6);
        Assert.Equal((0f - 0.456f) / 0.224f, x[0, 1, 0, 0].item<float>(), 6);
        Assert.Equal((128f / 255f - 0.406f) / 0.225f, x[0, 2, 0, 0].item<float>(), 6);

        using var landscape = BuiltinImages.Render("builtin:landscape", 24, 16);
        using var back = ImageTensors.ToImage(ImageTensors.ToNormalized(landscape));
        Assert.Equal(Pixels(landscape), Pixels(back));
    }

    private static Rgb24[] Pixels(Image<Rgb24> image)
    {
        var pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        return pixels;
    }

    private static byte[] PngHeaderOnly(int width, int height)
    {
        using var s = new MemoryStream();
        s.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        WriteChunk(s, "IHDR", ihdr);
        WriteChunk(s, "IEND", []);
        return s.ToArray();
    }

    private static void WriteChunk(Stream s, string type, byte[] data)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)data.Length);
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(header, 4);
        s.Write(header);
        s.Write(data);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(header.AsSpan(4).ToArray().Concat(data).ToArray()));
        s.Write(crc);
    }

    private static int FindChunk(byte[] png, string type)
    {
        var at = 8;
        while (at < png.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at));
            if (System.Text.Encoding.ASCII.GetString(png, at + 4, 4) == type) return at;
            at += 12 + length;
        }
        throw new InvalidOperationException($"no {type} chunk");
    }

    private static void FixCrc(byte[] png, int chunk, int length) =>
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(chunk + 8 + length), Crc32(png.AsSpan(chunk + 4, 4 + length).ToArray()));

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return crc ^ 0xFFFFFFFFu;
    }
}
