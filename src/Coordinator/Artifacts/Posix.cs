using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Atelier.Coordinator.Artifacts;

/// <summary>
/// The few libc calls the store needs that .NET does not offer: open(2), fsync(2) and close(2) of a directory (.NET
/// cannot open a directory as a file), and posix_fadvise(2).
/// </summary>
internal static class Posix
{
    public const int ReadOnly = 0;
    public const int CloseOnExec = 0x80000; // O_CLOEXEC: the same on x86-64 and arm64
    public const int Interrupted = 4; // EINTR
    public const int Invalid = 22; // EINVAL
    public const int ReadOnlyFileSystem = 30; // EROFS
    public const int DontNeed = 4; // POSIX_FADV_DONTNEED on Linux

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    /// <summary>
    /// posix_fadvise(2): returns the error number itself (0 when done). The handle is passed pointer-wide; the int file
    /// descriptor the call takes is its low half, in the same register, on the 64-bit systems this runs on.
    /// </summary>
    [DllImport("libc", EntryPoint = "posix_fadvise")]
    public static extern int Fadvise(SafeFileHandle file, long offset, long length, int advice);
}
