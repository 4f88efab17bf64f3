using System.Runtime.InteropServices;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>
/// glibc's malloc raises its mmap threshold every time a large block is freed (up to 32 MB), after which libtorch's
/// per-iteration buffers (convolution workspaces, weight reorders of up to 9 MB) come from the heap instead of mmap
/// and fragment it: a worker's resident memory then grows by hundreds of KB per iteration without any leak.
/// Fixing the thresholds (glibc's initial 128 KB, as <c>MALLOC_MMAP_THRESHOLD_</c>/<c>MALLOC_TRIM_THRESHOLD_</c> would)
/// keeps it flat. Process-wide, idempotent; a no-op off Linux or without glibc.
/// </summary>
internal static class NativeHeap
{
    private const int TrimThreshold = -1;  // M_TRIM_THRESHOLD
    private const int MmapThreshold = -3;  // M_MMAP_THRESHOLD
    private const int Threshold = 128 * 1024;
    private static int _done;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MalloptFunction(int parameter, int value);

    public static void FixMallocThresholds()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _done, 1) == 1) return;
        if (!NativeLibrary.TryLoad("libc.so.6", out var libc) || !NativeLibrary.TryGetExport(libc, "mallopt", out var address)) return;
        var mallopt = Marshal.GetDelegateForFunctionPointer<MalloptFunction>(address);
        mallopt(MmapThreshold, Threshold);
        mallopt(TrimThreshold, Threshold);
    }
}
