using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Atelier.GpuWorker.Imaging;

/// <summary>
/// Reads PNG and JPEG files defensively and writes PNG. A file is read whole (at most
/// <see cref="MaxFileBytes"/>), identified (format and size from its header only), refused past
/// <see cref="MaxPixels"/>, checked for truncation, and only then decoded: PNG by ImageSharp, JPEG by
/// <see cref="JpegPixels"/> (the pixels libjpeg-turbo gives, as in PIL and torchvision; ImageSharp for the rare JPEG
/// kinds it does not cover: arithmetic, lossless, 12-bit, CMYK). Every refusal is an
/// <see cref="ImageLoadException"/> whose message names the file. No EXIF rotation and no colour
/// management are applied (as PIL and torchvision do by default), and alpha is dropped.
/// </summary>
public static class ImageFiles
{
    /// <summary>The most pixels (width × height) an input image may have: 16 MP, e.g. 4096 × 4096.</summary>
    public const long MaxPixels = 16L * 1024 * 1024;

    /// <summary>The largest input file read: 256 MiB.</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    // Only the two formats the job accepts are known to the decoder, so anything else is "not PNG or JPEG".
    private static readonly Configuration Decoders = new(new PngConfigurationModule(), new JpegConfigurationModule());

    /// <summary>
    /// Loads <paramref name="path"/> as 8-bit RGB. <paramref name="role"/> names the image in errors
    /// (e.g. "content image").
    /// </summary>
    public static Image<Rgb24> LoadRgb(string path, string role = "image", long maxPixels = MaxPixels)
    {
        var what = $"{role} '{path}'";
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new ImageLoadException($"{what}: no such file");
            if (info.Length > MaxFileBytes)
                throw new ImageLoadException($"{what}: {info.Length} bytes is more than the {MaxFileBytes}-byte limit");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageLoadException($"{what}: cannot be read: {e.Message}", e);
        }
        return Decode(bytes, what, maxPixels);
    }

    /// <summary>Decodes PNG or JPEG bytes with the same checks as <see cref="LoadRgb"/>; <paramref name="what"/> names them in errors.</summary>
    public static Image<Rgb24> Decode(byte[] bytes, string what, long maxPixels = MaxPixels)
    {
        IImageInfo? info;
        IImageFormat? format;
        try
        {
            using var header = new MemoryStream(bytes, writable: false);
            info = Image.Identify(Decoders, header, out format);
        }
        catch (Exception e) when (e is ImageFormatException or InvalidDataException or EndOfStreamException)
        {
            throw new ImageLoadException($"{what}: corrupt image header: {e.Message}", e);
        }
        if (info is null || format is null)
            throw new ImageLoadException($"{what}: not a PNG or JPEG image");
        var pixels = (long)info.Width * info.Height;
        if (info.Width <= 0 || info.Height <= 0)
            throw new ImageLoadException($"{what}: corrupt image header: size {info.Width}×{info.Height}");
        if (pixels > maxPixels)
            throw new ImageLoadException(
                $"{what}: {info.Width}×{info.Height} = {pixels} pixels is more than the limit of {maxPixels} pixels");

        var problem = format is PngFormat ? ImageIntegrity.CheckPng(bytes) : ImageIntegrity.CheckJpeg(bytes);
        if (problem is not null)
            throw new ImageLoadException($"{what}: {format.Name} file is {problem}");

        if (format is JpegFormat)
        {
            // Pixels as libjpeg-turbo (PIL, torchvision) decodes them; ImageSharp for the rare kinds it does not cover.
            try
            {
                var (rgb, width, height) = JpegPixels.Decode(bytes);
                return Image.LoadPixelData<Rgb24>(rgb, width, height);
            }
            catch (InvalidDataException e)
            {
                throw new ImageLoadException($"{what}: corrupt JPEG data: {e.Message}", e);
            }
            catch (NotSupportedException)
            {
            }
        }
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            return Image.Load<Rgb24>(Decoders, stream);
        }
        catch (Exception e) when (e is ImageFormatException or InvalidDataException or EndOfStreamException
                                      or IndexOutOfRangeException or ArgumentException or NotSupportedException)
        {
            throw new ImageLoadException($"{what}: corrupt {format.Name} data: {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="image"/> as PNG, through a temporary file so readers never see half a file.</summary>
    public static void SavePng(Image<Rgb24> image, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        image.Save(temp, new PngEncoder());
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// <paramref name="image"/> resized to exactly <paramref name="width"/> × <paramref name="height"/> (aspect not
    /// kept), with the bytes Pillow's bilinear resize gives (<see cref="PilBilinear"/>): a new image, which the caller
    /// owns and the input is disposed; the input itself at the same size.
    /// </summary>
    public static Image<Rgb24> Resized(Image<Rgb24> image, int width, int height)
    {
        if (image.Width == width && image.Height == height) return image;
        using (image) return PilBilinear.Resize(image, width, height);
    }

    /// <summary>
    /// The size whose longer side is <paramref name="longerSide"/>, keeping the aspect ratio of
    /// <paramref name="width"/> × <paramref name="height"/> (shorter side rounded, at least 1);
    /// the same size when the longer side already matches or <paramref name="longerSide"/> is 0.
    /// </summary>
    public static (int Width, int Height) FitLongerSide(int width, int height, int longerSide)
    {
        var longer = Math.Max(width, height);
        if (longerSide == 0 || longer == longerSide) return (width, height);
        var scale = (double)longerSide / longer;
        int Scale(int side) => side == longer ? longerSide : Math.Max(1, (int)Math.Round(side * scale, MidpointRounding.AwayFromZero));
        return (Scale(width), Scale(height));
    }
}
