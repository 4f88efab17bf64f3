using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Atelier.Coordinator.Artifacts;
using Microsoft.Win32.SafeHandles;

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
            Assert.Null(store.Commit(temp, writer.Finish(), sha, bytes.Length));
        }

        var resident = ResidentBytes(store.PathOf(sha));
        Assert.True(resident <= 1 << 20, $"{resident:N0} of the stored file's {bytes.Length:N0} bytes are still in the page cache");
        Assert.Equal(bytes, await File.ReadAllBytesAsync(store.PathOf(sha), TestContext.Current.CancellationToken));
    }

    /// <summary>How many bytes of <paramref name="path"/>'s pages are in the page cache (mincore(2) of a shared mapping).</summary>
    private static long ResidentBytes(string path)
    {
        using var file = File.OpenHandle(path);
        var length = RandomAccess.GetLength(file);
        var map = Mmap(0, (nuint)length, ProtRead, MapShared, file, 0);
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

    private const int ProtRead = 1;
    private const int MapShared = 1;

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static extern nint Mmap(nint address, nuint length, int protection, int flags, SafeFileHandle file, long offset);

    [DllImport("libc", EntryPoint = "mincore", SetLastError = true)]
    private static extern int Mincore(nint address, nuint length, byte[] resident);

    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static extern int Munmap(nint address, nuint length);
}
