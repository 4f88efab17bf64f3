using System.Collections.Concurrent;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Artifacts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Atelier.Coordinator.Reports.Pictures;

/// <summary>
/// Thumbnails of pictures in the artifact store, cached by content hash and size: in memory, and as JPEG files under
/// <c>thumbnails/SIZE/ab/HASH.jpg</c> beside the store (so a restarted coordinator does not redo them). Pictures are
/// identified before decoding: only PNG and JPEG, at most <see cref="MaxPixels"/> pixels.
/// </summary>
public sealed class ThumbnailCache(ArtifactStore store, string directory) : IPictureSource
{
    public const long MaxPixels = 40_000_000;
    public const int Quality = 82;

    /// <summary>Entries kept in memory before the memory cache starts over (the disk cache keeps them).</summary>
    public const int MaxMemoryEntries = 20_000;

    private static readonly Configuration Decoders = new(new PngConfigurationModule(), new JpegConfigurationModule());
    private readonly ConcurrentDictionary<(string Sha, int Size), string?> _memory = new();

    public string Directory { get; } = Path.GetFullPath(directory);

    public string? DataUri(ArtifactInfo picture, int maxSide)
    {
        if (!ArtifactStore.IsSha256(picture.Sha256)) return null;
        var key = (picture.Sha256, maxSide);
        if (_memory.TryGetValue(key, out var cached)) return cached;
        var uri = Load(picture.Sha256, maxSide);
        if (_memory.Count >= MaxMemoryEntries) _memory.Clear();
        _memory[key] = uri;
        return uri;
    }

    public void Prepare(IEnumerable<(ArtifactInfo Picture, int MaxSide)> pictures)
    {
        var todo = pictures.Distinct().Where(p => !_memory.ContainsKey((p.Picture.Sha256, p.MaxSide))).ToList();
        Parallel.ForEach(todo, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            p => DataUri(p.Picture, p.MaxSide));
    }

    /// <summary>Where the thumbnail of <paramref name="sha256"/> at <paramref name="maxSide"/> is kept on disk.</summary>
    public string PathOf(string sha256, int maxSide) =>
        Path.Combine(Directory, maxSide.ToString(System.Globalization.CultureInfo.InvariantCulture), sha256[..2], sha256 + ".jpg");

    private string? Load(string sha256, int maxSide)
    {
        var path = PathOf(sha256, maxSide);
        try
        {
            if (File.Exists(path)) return ToUri(File.ReadAllBytes(path));
            if (!store.Contains(sha256)) return null;
            var bytes = Render(store.PathOf(sha256), maxSide);
            if (bytes is null) return null;
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, path, overwrite: true);
            return ToUri(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A JPEG of the picture at <paramref name="source"/>, its longer side at most <paramref name="maxSide"/>; null if it is not a readable PNG or JPEG.</summary>
    public static byte[]? Render(string source, int maxSide)
    {
        try
        {
            using var stream = File.OpenRead(source);
            var info = Image.Identify(Decoders, stream, out var format);
            if (info is null || format is null || (long)info.Width * info.Height > MaxPixels) return null;
            stream.Position = 0;
            using var image = Image.Load<Rgb24>(Decoders, stream);
            if (image.Width > maxSide || image.Height > maxSide)
                image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(maxSide, maxSide), Mode = ResizeMode.Max, Sampler = KnownResamplers.Triangle }));
            using var output = new MemoryStream();
            image.SaveAsJpeg(output, new JpegEncoder { Quality = Quality });
            return output.ToArray();
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or ImageFormatException or NotSupportedException or IOException)
        {
            return null;
        }
    }

    private static string ToUri(byte[] jpeg) => "data:image/jpeg;base64," + Convert.ToBase64String(jpeg);
}
