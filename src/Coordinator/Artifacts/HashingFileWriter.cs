using System.Security.Cryptography;

namespace Atelier.Coordinator.Artifacts;

/// <summary>
/// Writes an upload's chunks into its temporary file and hashes them on the way in, so that the check on arrival
/// (<see cref="ArtifactStore.Commit(string, string, string, long)"/>) needs no second read of the file.
/// One chunk at a time: <see cref="WriteAsync"/> is never called again before the previous call has completed.
/// </summary>
public sealed class HashingFileWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public HashingFileWriter(string path) =>
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);

    public async Task WriteAsync(byte[] chunk)
    {
        _hash.AppendData(chunk);
        await _file.WriteAsync(chunk);
    }

    /// <summary>Closes the file; the SHA-256 (lower-case hex) of the bytes written.</summary>
    public string Finish()
    {
        _file.Dispose();
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    public void Dispose()
    {
        _file.Dispose();
        _hash.Dispose();
    }
}
