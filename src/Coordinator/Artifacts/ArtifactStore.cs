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

    /// <summary>A fresh temporary file inside the store (same volume, so <see cref="Commit"/> is a rename).</summary>
    public string NewTempFile()
    {
        var dir = Path.Combine(Root, "tmp");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, Guid.NewGuid().ToString("N"));
    }

    /// <summary>Checks the temporary file against the expected hash and size, then moves it into place.</summary>
    public string? Commit(string tempFile, string expectedSha256, long expectedSize)
    {
        try
        {
            var size = new FileInfo(tempFile).Length;
            if (size != expectedSize) return $"size mismatch: {size} bytes arrived, {expectedSize} announced";
            string actual;
            using (var stream = File.OpenRead(tempFile)) actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (actual != expectedSha256) return $"SHA-256 mismatch: the bytes hash to {actual}, {expectedSha256} was announced";
            var target = PathOf(expectedSha256);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (File.Exists(target)) File.Delete(tempFile);
            else File.Move(tempFile, target);
            return null;
        }
        finally
        {
            if (File.Exists(tempFile)) File.Delete(tempFile);
        }
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HashPattern();
}
