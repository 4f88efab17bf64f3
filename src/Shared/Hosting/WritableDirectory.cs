namespace Atelier.Shared.Hosting;

/// <summary>
/// A directory setting checked when the process starts: it must name a directory this process can create and write in.
/// A volume the process's user cannot write (a container's non-root user without fsGroup, a read-only mount) would
/// otherwise surface much later, as a failed checkpoint or upload, or as a worker that never reports itself ready.
/// </summary>
public static class WritableDirectory
{
    /// <exception cref="SettingException">The directory cannot be made or written; the message says why.</exception>
    public static void Require(Setting setting, string path)
    {
        try
        {
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, $".write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SettingException(setting, path, $"a directory user {Environment.UserName} can create and write in ({e.Message})");
        }
    }
}
