using System.Runtime.InteropServices;
using TorchSharp;

namespace Atelier.GpuWorker.Hosting;

/// <summary>
/// Keeps libtorch's CPU convolutions on its own kernels (im2col and an MKL GEMM) instead of oneDNN, as PyTorch's
/// <c>torch.backends.mkldnn.enabled = False</c> does, unless <c>ATELIER_CPU_ONEDNN=on</c>. NNPACK, libtorch's next
/// choice, goes off with it: it cannot start on every CPU (on the AMD EPYC VM it prints "Could not initialize NNPACK!"
/// at every convolution). GPU convolutions (cuDNN) are not affected.
/// </summary>
/// <remarks>
/// Why: the oneDNN 3.7.1 inside libtorch 2.10 returns NaN gradients now and then from its convolution backward pass
/// when a layer has fewer channels than a vector block (16 with AVX-512, 8 with AVX2), much more often when several
/// threads of one process convolve at once — as a worker's slots, the data-parallel replicas and parallel test
/// classes do. On the AMD EPYC (Zen 5) VM, 2026-12-06: <c>CifarDataParallelTests</c> failed in 10 of 40 runs with
/// oneDNN (AVX2) and in 0 of 40 without; two threads' 800 passes over 4- and 8-channel convolutions
/// (<c>OneDnnIsaTests</c>) gave 1 NaN with oneDNN's AVX2 kernels, 79 with its AVX-512 ones and none without oneDNN.
/// TorchSharp has no binding for these switches, so this calls <c>at::globalContext().setUserEnabledMkldnn</c> and
/// <c>setUserEnabledNNPACK</c> through the C++ symbols libtorch_cpu exports (Itanium mangling: Linux only; elsewhere
/// nothing changes).
/// </remarks>
public static class CpuConvolutions
{
    public const string Variable = "ATELIER_CPU_ONEDNN";

    private const string Library = "libtorch_cpu.so";

    private delegate IntPtr GlobalContext();

    private delegate void SetFlag(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool GetFlag(IntPtr context);

    /// <summary>Whether <see cref="Variable"/> asks for oneDNN (<c>on</c>); unset or <c>off</c> does not.</summary>
    /// <exception cref="InvalidOperationException">The variable holds anything else.</exception>
    public static bool OneDnnChosen()
    {
        var value = Environment.GetEnvironmentVariable(Variable)?.Trim();
        return value switch
        {
            null or "" or "off" => false,
            "on" => true,
            _ => throw new InvalidOperationException($"{Variable} is 'on' or 'off', not '{value}'"),
        };
    }

    /// <summary>Turns oneDNN and NNPACK off for this process's CPU convolutions unless <see cref="Variable"/> is <c>on</c>; loads libtorch.</summary>
    /// <exception cref="InvalidOperationException">The variable holds something else, or libtorch lacks the switches.</exception>
    public static void KeepOnNativeKernelsUnlessChosen()
    {
        var oneDnn = OneDnnChosen();
        if (!OperatingSystem.IsLinux()) return;
        var library = LoadedLibtorch();
        var context = Bind<GlobalContext>(library, "_ZN2at13globalContextEv")();
        Bind<SetFlag>(library, "_ZN2at7Context20setUserEnabledMkldnnEb")(context, oneDnn);
        Bind<SetFlag>(library, "_ZN2at7Context20setUserEnabledNNPACKEb")(context, oneDnn);
    }

    /// <summary>Whether libtorch may convolve on the CPU with oneDNN, and with NNPACK, now; null off Linux.</summary>
    public static (bool OneDnn, bool NnPack)? Backends()
    {
        if (!OperatingSystem.IsLinux()) return null;
        var library = LoadedLibtorch();
        var context = Bind<GlobalContext>(library, "_ZN2at13globalContextEv")();
        return (Bind<GetFlag>(library, "_ZNK2at7Context17userEnabledMkldnnEv")(context), Bind<GetFlag>(library, "_ZNK2at7Context17userEnabledNNPACKEv")(context));
    }

    /// <summary>The handle of the libtorch_cpu TorchSharp loaded (it loads it at its first call).</summary>
    private static IntPtr LoadedLibtorch()
    {
        _ = torch.get_num_threads();
        return NativeLibrary.TryLoad(Library, out var library)
            ? library
            : throw new InvalidOperationException($"{Library} is not loaded; cannot keep convolutions off oneDNN (set {Variable}=on to use it)");
    }

    private static T Bind<T>(IntPtr library, string symbol) where T : Delegate
    {
        return NativeLibrary.TryGetExport(library, symbol, out var address)
            ? Marshal.GetDelegateForFunctionPointer<T>(address)
            : throw new InvalidOperationException($"{Library} does not export {symbol}; cannot keep convolutions off oneDNN (set {Variable}=on to use it)");
    }
}
