namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// Reads the binary CIFAR-10 distribution (<c>cifar-10-batches-bin</c>): each record is 1 label byte then
/// 3072 pixel bytes (the 1024 red values, then green, then blue, rows top to bottom). A file may hold any
/// number of records, but its size must be a multiple of 3073.
/// </summary>
public static class CifarBinaryReader
{
    public const int RecordBytes = 1 + CifarDataset.ImageBytes;

    /// <summary>Pixels (N × 3072 bytes, R, G, B planes) and labels (N) of one batch file.</summary>
    /// <exception cref="CifarDataException">The file is missing, has a bad size, or a label is not 0..9.</exception>
    public static CifarBatch Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarDataException($"{path}: cannot read: {e.Message}");
        }
        if (bytes.Length % RecordBytes != 0)
            throw new CifarDataException(
                $"{path}: size {bytes.Length} bytes is not a multiple of {RecordBytes} (a CIFAR-10 binary record is 1 label byte + 3072 pixel bytes)");

        var count = bytes.Length / RecordBytes;
        var pixels = new byte[(long)count * CifarDataset.ImageBytes];
        var labels = new long[count];
        for (var i = 0; i < count; i++)
        {
            var record = bytes.AsSpan(i * RecordBytes, RecordBytes);
            if (record[0] >= CifarDataset.Classes)
                throw new CifarDataException($"{path}: record {i} has label {record[0]}; CIFAR-10 labels are 0..9");
            labels[i] = record[0];
            record[1..].CopyTo(pixels.AsSpan(i * CifarDataset.ImageBytes, CifarDataset.ImageBytes));
        }
        return new CifarBatch(pixels, labels);
    }
}

/// <summary>One batch file's contents: pixels (N × 3072 bytes, CHW) and labels (N).</summary>
public sealed record CifarBatch(byte[] Pixels, long[] Labels)
{
    public int Count => Labels.Length;
}
