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

    private FileStream File => _file ??= new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);

    public Task WriteAsync(byte[] chunk) => WriteAsync(chunk.AsMemory()).AsTask();

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk)
    {
        var file = File;
        _hash.AppendData(chunk.Span);
        await file.WriteAsync(chunk);
        Length += chunk.Length;
    }

    /// <summary>Closes the file; the SHA-256 (lower-case hex) of the bytes written.</summary>
    public string Finish()
    {
        File.Dispose();
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    public void Dispose()
    {
        _file?.Dispose();
        _hash.Dispose();
    }
}
