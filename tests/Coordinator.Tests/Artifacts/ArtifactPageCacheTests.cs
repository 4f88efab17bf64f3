using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Atelier.Coordinator.Artifacts;

namespace Atelier.Coordinator.Tests.Artifacts;

/// <summary>
/// A stored file's pages leave Linux's page cache once they are on the disk: the store writes each file once and reads
/// it seldom, and new cache pages are what made every large checkpoint after the first slow (see <see cref="PageCache"/>).
/// mincore(2) on a mapping of the stored file says which of its pages are still in memory.
/// </summary>
public sealed class ArtifactPageCacheTests : IDisposable
{
    // On the disk that holds the build, not under /tmp: a tmpfs keeps its files in the page cache for good.
    private readonly string _root = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, $"page-cache-{Guid.NewGuid():N}")).FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task An_uploaded_file_is_not_left_in_the_page_cache()
    {
        var store = new ArtifactStore(_root);
        var bytes = RandomNumberGenerator.GetBytes(40 << 20); // past the writer's background flush, every 32 MiB
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var temp = store.NewTempFile();
        using (var writer = new HashingFileWriter(temp))
        {
            for (var offset = 0; offset < bytes.Length; offset += 1 << 20)
                await writer.WriteAsync(bytes.AsMemory(offset, 1 << 20));
            // The first 32 MiB go once the background flush has written them; the last 8 MiB wait for Finish.
            var unflushed = (long)(bytes.Length - (32 << 20));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            long whileWriting;
            while ((whileWriting = ResidentBytes(temp)) > unflushed + (1 << 20) && watch.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.True(whileWriting <= unflushed + (1 << 20),
                $"{whileWriting:N0} of the {bytes.Length:N0} bytes written so far are in the page cache 10 s after their background flush began");
            Assert.Null(store.Commit(temp, writer.Finish(), sha, bytes.Length));
        }

        var resident = ResidentBytes(store.PathOf(sha));
        Assert.True(resident <= 1 << 20, $"{resident:N0} of the stored file's {bytes.Length:N0} bytes are still in the page cache");
        Assert.Equal(bytes, await File.ReadAllBytesAsync(store.PathOf(sha), TestContext.Current.CancellationToken));
    }

    /// <summary>How many bytes of <paramref name="path"/>'s pages are in the page cache (mincore(2) of a shared mapping).</summary>
    private static long ResidentBytes(string path)
    {
        // open(2) itself: .NET would refuse a file its writer holds with FileShare.None (an advisory lock).
        var fd = Open(path, 0);
        Assert.True(fd >= 0, $"cannot open {path}: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            var length = new FileInfo(path).Length;
            if (length == 0) return 0;
            var map = Mmap(0, (nuint)length, ProtRead, MapShared, fd, 0);
            Assert.NotEqual(-1, map);
            try
            {
                var pageSize = Environment.SystemPageSize;
                var pages = new byte[(length + pageSize - 1) / pageSize];
                Assert.Equal(0, Mincore(map, (nuint)length, pages));
                return pages.Count(p => (p & 1) != 0) * (long)pageSize;
            }
            finally
            {
                _ = Munmap(map, (nuint)length);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private const int ProtRead = 1;
    private const int MapShared = 1;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [DllImport("libc", EntryPoint = "mincore", SetLastError = true)]
    private static extern int Mincore(nint address, nuint length, byte[] resident);

    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static extern int Munmap(nint address, nuint length);
}
