using System.Security.Cryptography;

namespace Atelier.Coordinator.Artifacts;

/// <summary>
/// Writes an upload's chunks into its temporary file and hashes them on the way in, so that the check on arrival
/// (<see cref="ArtifactStore.Commit(string, string, string, long)"/>) needs no second read of the file.
/// One chunk at a time: <see cref="WriteAsync(ReadOnlyMemory{byte})"/> is never called again before the previous call has completed.
/// The file is created (<see cref="FileMode.CreateNew"/>) by the first write or by <see cref="Finish"/>: the writer of an
/// upload's StreamRef that is never used (its bytes came over HTTP) creates nothing.
/// </summary>
public sealed class HashingFileWriter(string path) : IDisposable
{
    private FileStream? _file;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>The bytes written so far.</summary>
    public long Length { get; private set; }

    /// <summary>How far the disk's writeback has been started (<see cref="DurableFiles.StartWriteback"/>).</summary>
    private long _writebackStarted;

    /// <summary>Start writing back every this many bytes, so that the flush in <see cref="Finish"/> has little left.</summary>
    private const long WritebackEvery = 8 << 20;

    private FileStream File => _file ??= new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);

    public Task WriteAsync(byte[] chunk) => WriteAsync(chunk.AsMemory()).AsTask();

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk)
    {
        var file = File;
        _hash.AppendData(chunk.Span);
        await file.WriteAsync(chunk);
        Length += chunk.Length;
        if (Length - _writebackStarted < WritebackEvery) return;
        DurableFiles.StartWriteback(file.SafeFileHandle, _writebackStarted, Length - _writebackStarted);
        _writebackStarted = Length;
    }

    /// <summary>Flushes the file to the disk and closes it (see <see cref="DurableFiles"/>); the SHA-256 (lower-case hex) of the bytes written.</summary>
    public string Finish()
    {
        File.Flush(flushToDisk: true);
        File.Dispose();
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    public void Dispose()
    {
        _file?.Dispose();
        _hash.Dispose();
    }
}
