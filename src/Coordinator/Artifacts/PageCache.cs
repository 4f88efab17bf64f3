using Microsoft.Win32.SafeHandles;

namespace Atelier.Coordinator.Artifacts;

/// <summary>
/// Lets Linux drop a stored file's pages from its cache once they are on the disk. The store writes each file once and
/// reads it seldom (a resumed trial, a download), so keeping it cached only takes memory; and on the virtual machine
/// this was measured on, a file written into new cache pages ran at a third to a half of the speed of one written into
/// pages just freed: without this, 256 MiB checkpoints uploaded at 270–360 MB/s, with it at 410–600
/// (docs/benchmarks.md, "Pages the store no longer needs").
/// </summary>
internal static class PageCache
{
    /// <summary>
    /// Drops the cached pages of <paramref name="file"/>'s first <paramref name="length"/> bytes, which must have been
    /// flushed (pages still dirty are left where they are). Advice only: a system that does not take it changes nothing.
    /// </summary>
    public static void Forget(SafeFileHandle file, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return;
        _ = Posix.Fadvise(file, 0, length, Posix.DontNeed);
    }
}
