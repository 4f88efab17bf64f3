using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Atelier.Coordinator.Artifacts;

/// <summary>
/// A content-addressed directory: a file's name is its SHA-256 (<c>sha256/ab/abcdef…</c>), so a
/// caller never chooses a server path and identical files are stored once. On Kubernetes the
/// directory is a ReadWriteMany volume shared by the coordinators.
/// </summary>
public sealed partial class ArtifactStore(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public static bool IsSha256(string? hash) => hash is not null && HashPattern().IsMatch(hash);

    public string PathOf(string sha256)
    {
        if (!IsSha256(sha256)) throw new ArgumentException($"'{sha256}' is not a lower-case hex SHA-256", nameof(sha256));
        return Path.Combine(Root, "sha256", sha256[..2], sha256);
    }

    public bool Contains(string sha256) => IsSha256(sha256) && File.Exists(PathOf(sha256));

    /// <summary>
    /// Whether the store has <paramref name="sha256"/>, marking it as just used when it does: a file a new reference
    /// is about to point at is then as safe from the <see cref="ArtifactCollector"/>'s grace period as a new file.
    /// </summary>
    public bool Touch(string sha256)
    {
        if (!Contains(sha256)) return false;
        try
        {
            File.SetLastWriteTimeUtc(PathOf(sha256), DateTime.UtcNow);
            return true;
        }
        catch (IOException)
        {
            return Contains(sha256);
        }
    }

    /// <summary>
    /// A temporary file neither written nor touched for this long belongs to no upload (its coordinator died, or it was
    /// left behind): an upload still waiting for bytes has its file touched by <see cref="KeepTempFile"/> every quarter of it.
    /// </summary>
    public static readonly TimeSpan TempFileIdle = TimeSpan.FromMinutes(1);

    /// <summary>A fresh temporary file inside the store (same volume, so <see cref="Commit"/> is a rename).</summary>
    public string NewTempFile()
    {
        var dir = Path.Combine(Root, "tmp");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, Guid.NewGuid().ToString("N"));
    }

    /// <summary>Marks a temporary file as still in use, so the <see cref="ArtifactCollector"/> leaves it (see <see cref="TempFileIdle"/>).</summary>
    public static void KeepTempFile(string tempFile)
    {
        try
        {
            if (File.Exists(tempFile)) File.SetLastWriteTimeUtc(tempFile, DateTime.UtcNow);
        }
        catch (IOException)
        {
            // Moved into place or deleted meanwhile: nothing to keep.
        }
    }

    /// <summary>Deletes a temporary file whose upload failed; one that cannot be deleted now is left for the collector.</summary>
    public static void DiscardTempFile(string tempFile)
    {
        try
        {
            if (File.Exists(tempFile)) File.Delete(tempFile);
        }
        catch (IOException)
        {
            // Left for the collector.
        }
    }

    /// <summary>Why an upload was not kept when the fault is the store's own (its disk), not the bytes'.</summary>
    public static string CouldNotKeep(Exception fault) => StoreFault + fault.Message;

    /// <summary>Whether <paramref name="error"/>, from <see cref="Commit(string, string, string, long)"/> or an upload's writing, is the store's own fault.</summary>
    public static bool IsStoreFault(string error) => error.StartsWith(StoreFault, StringComparison.Ordinal);

    private const string StoreFault = "the store could not keep it: ";

    /// <summary>Hashes the temporary file, checks it against the expected hash and size, then moves it into place.</summary>
    public string? Commit(string tempFile, string expectedSha256, long expectedSize)
    {
        string actual;
        try
        {
            using var stream = File.OpenRead(tempFile);
            actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch
        {
            if (File.Exists(tempFile)) File.Delete(tempFile);
            throw;
        }
        return Commit(tempFile, actual, expectedSha256, expectedSize);
    }

    /// <summary>
    /// Checks the temporary file, whose bytes hash to <paramref name="actualSha256"/> (hashed as they were written), against
    /// the expected hash and size, then moves it into place; null when stored, else why not (the file is then deleted).
    /// </summary>
    public string? Commit(string tempFile, string actualSha256, string expectedSha256, long expectedSize)
    {
        try
        {
            var size = new FileInfo(tempFile).Length;
            if (size != expectedSize) return $"size mismatch: {size} bytes arrived, {expectedSize} announced";
            if (actualSha256 != expectedSha256) return $"SHA-256 mismatch: the bytes hash to {actualSha256}, {expectedSha256} was announced";
            Place(tempFile, expectedSha256);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk, a vanished temporary file: this upload is refused (the uploader keeps its file and says so);
            // the store and every other upload carry on.
            return CouldNotKeep(e);
        }
        finally
        {
            DiscardTempFile(tempFile);
        }
    }

    /// <summary>
    /// Streams <paramref name="source"/> into the store, hashing as it goes: refused (nothing kept) past
    /// <paramref name="maxBytes"/>, or when <paramref name="expectedSha256"/> is given and the bytes hash otherwise.
    /// Bytes the store already has are kept once.
    /// </summary>
    public async Task<PutResult> PutAsync(Stream source, long maxBytes, string? expectedSha256, CancellationToken ct)
    {
        var temp = NewTempFile();
        try
        {
            string actual;
            long size = 0;
            using (var writer = new HashingFileWriter(temp))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await source.ReadAsync(buffer, ct)) > 0)
                {
                    size += read;
                    if (size > maxBytes) return new PutResult(null, size, false, PutProblem.TooLarge);
                    await writer.WriteAsync(buffer.AsMemory(0, read));
                }
                actual = writer.Finish();
            }
            if (expectedSha256 is not null && actual != expectedSha256)
                return new PutResult(actual, size, false, PutProblem.HashMismatch);
            return new PutResult(actual, size, Place(temp, actual), null);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Puts the flushed <paramref name="tempFile"/> in place as <paramref name="sha256"/>'s file, or, when the store has
    /// those bytes already, keeps them (touched) and flushes the names on the way to them; whether they were there.
    /// </summary>
    private bool Place(string tempFile, string sha256)
    {
        var existed = Touch(sha256);
        if (existed) DurableFiles.FlushNamesOf(PathOf(sha256));
        else DurableFiles.MoveIntoPlace(tempFile, PathOf(sha256));
        return existed;
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HashPattern();
}

/// <summary>Why <see cref="ArtifactStore.PutAsync"/> kept nothing.</summary>
public enum PutProblem
{
    TooLarge,
    HashMismatch,
}

/// <summary>
/// What <see cref="ArtifactStore.PutAsync"/> did: stored (or found already stored: <paramref name="Existed"/>) the bytes of
/// <paramref name="Sha256"/>, or refused them (<paramref name="Problem"/>; <paramref name="Size"/> is how many bytes were read).
/// </summary>
public sealed record PutResult(string? Sha256, long Size, bool Existed, PutProblem? Problem);
