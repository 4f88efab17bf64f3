using System.Runtime.InteropServices;

namespace Atelier.Coordinator.Artifacts;

/// <summary>
/// What makes a file of the store survive a power cut once the journal refers to it: its bytes flushed to the disk
/// before it is renamed into place (<see cref="FileStream.Flush(bool)"/> with true, by its writer), and the directory
/// that holds the new name flushed after the rename. Without the first, ext4 can come back from a power cut with the
/// name and no bytes (a rename to a new name does not wait for delayed allocation); without the second, without the
/// name. The journal's write of the artifact comes after <see cref="MoveIntoPlace"/> returns.
/// </summary>
internal static class DurableFiles
{
    /// <summary>
    /// Moves the (already flushed) <paramref name="tempFile"/> to <paramref name="target"/>, then flushes the target's
    /// directory, and its parent too when the directory was made here.
    /// </summary>
    public static void MoveIntoPlace(string tempFile, string target)
    {
        var directory = Path.GetDirectoryName(target)!;
        var made = !Directory.Exists(directory);
        Directory.CreateDirectory(directory);
        File.Move(tempFile, target, overwrite: true);
        FlushDirectory(directory);
        if (made) FlushDirectory(Path.GetDirectoryName(directory)!);
    }

    /// <summary>fsync(2) of a directory: its entries (the names just made or moved) reach the disk.</summary>
    public static void FlushDirectory(string directory)
    {
        // NTFS journals its metadata and has no fsync of a directory; every other system this runs on is POSIX.
        if (OperatingSystem.IsWindows()) return;
        var fd = Posix.Open(directory, Posix.ReadOnly);
        if (fd < 0) throw new IOException($"cannot open the directory {directory} to flush it: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Posix.Fsync(fd) != 0) throw new IOException($"cannot flush the directory {directory}: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            _ = Posix.Close(fd);
        }
    }

    /// <summary>
    /// Asks Linux to start writing a range of the file to the disk now, without waiting (sync_file_range(2) with
    /// SYNC_FILE_RANGE_WRITE), so that the flush before the rename finds little left to write. Advisory: ignored
    /// elsewhere, and a failure only leaves the work to the flush.
    /// </summary>
    public static void StartWriteback(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count)
    {
        if (!OperatingSystem.IsLinux()) return;
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            _ = Posix.SyncFileRange((int)file.DangerousGetHandle(), offset, count, Posix.SyncFileRangeWrite);
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
    }

    /// <summary>open(2), fsync(2), close(2) and sync_file_range(2): .NET cannot open a directory as a file, nor start a writeback.</summary>
    private static class Posix
    {
        public const int ReadOnly = 0;
        public const uint SyncFileRangeWrite = 2;

        [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
        public static extern int SyncFileRange(int fd, long offset, long count, uint flags);

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static extern int Fsync(int fd);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int fd);
    }
}
