using System.Runtime.InteropServices;

namespace Atelier.Coordinator.Artifacts;

/// <summary>
/// What makes a file of the store survive a power cut once the journal refers to it: its bytes flushed to the disk
/// before it is renamed into place (<see cref="FileStream.Flush(bool)"/> with true, by its writer), and the directories
/// that hold the new names flushed after the rename. Without the first, ext4 can come back from a power cut with the
/// name and no bytes (a rename to a new name does not wait for delayed allocation); without the second, without the
/// name. The journal's write of the artifact comes after <see cref="MoveIntoPlace"/> returns.
/// </summary>
internal static class DurableFiles
{
    /// <summary>
    /// Moves the (already flushed) <paramref name="tempFile"/> to <paramref name="target"/> (<c>sha256/ab/abcdef…</c>), then
    /// flushes the names on the way to it (<see cref="FlushNamesOf"/>).
    /// </summary>
    public static void MoveIntoPlace(string tempFile, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(tempFile, target, overwrite: true);
        FlushNamesOf(target);
    }

    /// <summary>
    /// Flushes the directory holding <paramref name="file"/> and its parent: the file's name, and the name of its
    /// directory, which this or a concurrent store may just have made. Also for a file found already stored: the rename
    /// that put it there may not have been flushed yet (another upload's, still on its way).
    /// </summary>
    public static void FlushNamesOf(string file)
    {
        var directory = Path.GetDirectoryName(file)!;
        FlushDirectory(directory);
        FlushDirectory(Path.GetDirectoryName(directory)!);
    }

    /// <summary>fsync(2) of a directory: its entries (the names just made or moved) reach the disk.</summary>
    public static void FlushDirectory(string directory)
    {
        // NTFS journals its metadata and has no fsync of a directory; every other system this runs on is POSIX.
        if (OperatingSystem.IsWindows()) return;
        var fd = Posix.Open(directory, Posix.ReadOnly | Posix.CloseOnExec);
        if (fd < 0) throw new IOException($"cannot open the directory {directory} to flush it: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            int result;
            do result = Posix.Fsync(fd);
            while (result != 0 && Marshal.GetLastPInvokeError() == Posix.Interrupted);
            // A file system that cannot flush a directory (EINVAL, EROFS: some network and read-only mounts) says so;
            // there is nothing more to do there, as PostgreSQL's fsync_fname also decides.
            if (result != 0 && Marshal.GetLastPInvokeError() is not (Posix.Invalid or Posix.ReadOnlyFileSystem))
                throw new IOException($"cannot flush the directory {directory}: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            _ = Posix.Close(fd);
        }
    }
}
