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

    /// <summary>
    /// Flush the bytes written so far to the disk, on a task of its own, every this many bytes (one such flush at a
    /// time), so that the disk writes while the next bytes arrive and the flush in <see cref="Finish"/> has little left.
    /// Starting the writeback alone (sync_file_range) did not shorten that flush on a virtual disk, whose cache only a
    /// flush empties (docs/benchmarks.md, "Flushing while the bytes come").
    /// </summary>
    private const long FlushEvery = 32 << 20;

    /// <summary>The flush running in the background, if any, and how many bytes had been written when it started.</summary>
    private Task _flushing = Task.CompletedTask;
    private long _lengthAtLastFlush;

    private FileStream File => _file ??= new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);

    public Task WriteAsync(byte[] chunk) => WriteAsync(chunk.AsMemory()).AsTask();

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk)
    {
        var file = File;
        _hash.AppendData(chunk.Span);
        await file.WriteAsync(chunk);
        Length += chunk.Length;
        if (Length - _lengthAtLastFlush < FlushEvery || !_flushing.IsCompleted) return;
        // A failed flush is not retried in the background: Linux may have dropped the pages it could not write and
        // report the next fsync as clean, so Finish reports this one's error.
        if (_flushing.IsFaulted) return;
        var flushed = _lengthAtLastFlush = Length;
        var handle = file.SafeFileHandle;
        _flushing = Task.Run(() =>
        {
            RandomAccess.FlushToDisk(handle);
            PageCache.Forget(handle, flushed);
        });
    }

    /// <summary>
    /// Flushes the file to the disk, lets its pages go (<see cref="PageCache"/>) and closes it (see <see cref="DurableFiles"/>); the SHA-256 (lower-case hex) of the bytes
    /// written. Throws the error of a background flush that failed, or of the last flush.
    /// </summary>
    public string Finish()
    {
        _flushing.GetAwaiter().GetResult();
        File.Flush(flushToDisk: true);
        PageCache.Forget(File.SafeFileHandle, Length);
        File.Dispose();
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    public void Dispose()
    {
        // An upload given up on (its body failed, it was too large) may still have a flush running: it ends before the
        // file closes, and its error, if any, is observed here (the upload has failed already).
        try
        {
            _flushing.Wait();
        }
        catch (AggregateException)
        {
        }
        _file?.Dispose();
        _hash.Dispose();
    }
}
