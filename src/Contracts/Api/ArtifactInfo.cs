namespace Atelier.Contracts.Api;

/// <summary>
/// A file a trial produced (a checkpoint, a preview picture, a result), stored by content hash.
/// <paramref name="FileName"/> is its path relative to the trial's work directory.
/// </summary>
public sealed record ArtifactInfo(string Kind, long Step, string FileName, string Sha256, long Size)
{
    public const string Checkpoint = "checkpoint";

    /// <summary>A relative path inside the work directory: no rooted path, no "..", no backslashes.</summary>
    public static bool IsSafeFileName(string name) =>
        name.Length is > 0 and <= 200 && !Path.IsPathRooted(name) && !name.Contains('\\')
        && name.Split('/').All(part => part.Length > 0 && part != "." && part != "..");
}
