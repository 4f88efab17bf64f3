using System.Buffers.Binary;

namespace Atelier.GpuWorker.Imaging;

/// <summary>
/// Structural checks that catch truncated files ImageSharp would otherwise decode into a partly grey picture:
/// a PNG must reach its IEND chunk, a JPEG its EOI marker after the first scan. Null when complete, else why not.
/// </summary>
internal static class ImageIntegrity
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static string? CheckPng(ReadOnlySpan<byte> data)
    {
        if (data.Length < PngSignature.Length || !data[..PngSignature.Length].SequenceEqual(PngSignature))
            return "no PNG signature";
        long at = PngSignature.Length;
        while (true)
        {
            if (at + 8 > data.Length) return $"truncated: the file ends at byte {data.Length} before the IEND chunk";
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[(int)at..]);
            var type = data.Slice((int)at + 4, 4);
            var end = at + 8 + length + 4; // header, data, CRC
            if (end > data.Length) return $"truncated: a chunk at byte {at} needs {end - at} bytes, the file has {data.Length - at} left";
            if (type.SequenceEqual("IEND"u8)) return null;
            at = end;
        }
    }

    public static string? CheckJpeg(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) return "no JPEG start-of-image marker";
        var at = 2;
        var scans = 0;
        while (true)
        {
            // Expect a marker: 0xFF, optional fill bytes, then the marker code.
            if (at >= data.Length) return Truncated(data.Length, scans);
            if (data[at] != 0xFF) return $"corrupt: expected a marker at byte {at}";
            while (at < data.Length && data[at] == 0xFF) at++;
            if (at >= data.Length) return Truncated(data.Length, scans);
            var marker = data[at++];
            if (marker == 0xD9) return scans > 0 ? null : "corrupt: end-of-image before any image data";
            if (marker is >= 0xD0 and <= 0xD7 or 0x01) continue; // markers without a length
            if (at + 2 > data.Length) return Truncated(data.Length, scans);
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[at..]);
            if (length < 2) return $"corrupt: segment length {length} at byte {at}";
            if (at + length > data.Length) return Truncated(data.Length, scans);
            at += length;
            if (marker != 0xDA) continue;

            // Entropy-coded data: 0xFF is followed by 0x00 (stuffing), a restart marker or fill;
            // anything else is the next marker, handled by the loop above.
            scans++;
            while (true)
            {
                if (at + 1 >= data.Length) return Truncated(data.Length, scans);
                if (data[at] != 0xFF) { at++; continue; }
                var next = data[at + 1];
                if (next == 0x00 || next is >= 0xD0 and <= 0xD7) { at += 2; continue; }
                if (next == 0xFF) { at++; continue; }
                break;
            }
        }
    }

    private static string Truncated(int length, int scans) =>
        $"truncated: the file ends at byte {length} before the JPEG end-of-image marker{(scans == 0 ? " (no image data)" : "")}";
}
