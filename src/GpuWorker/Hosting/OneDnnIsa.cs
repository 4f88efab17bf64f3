using System.Runtime.InteropServices;

namespace Atelier.GpuWorker.Hosting;

/// <summary>
/// Keeps libtorch's oneDNN (the CPU convolution library bundled with libtorch 2.10) off its AVX-512 kernels unless the
/// user chose otherwise: on an AMD EPYC (Zen 5, CPU family 26) with AVX-512 its convolution backward pass returns NaN gradients in about
/// 3 % of calls when a layer has 8 channels (not a multiple of 16; VGG19 at width 1/8 has them), so a CPU trial would
/// diverge or differ between runs. Its AVX2 kernels are right on the same machine (<c>OneDnnIsaTests</c>). oneDNN reads
/// <c>ONEDNN_MAX_CPU_ISA</c> once, at its first primitive, so this runs first thing in the process. Set the variable
/// yourself (e.g. <c>ALL</c>) to choose; <c>DNNL_MAX_CPU_ISA</c> (its old name) counts as a choice too. The worker keeps
/// convolutions off oneDNN altogether (<see cref="CpuConvolutions"/>), so the cap matters with <c>ATELIER_CPU_ONEDNN=on</c>.
/// </summary>
public static class OneDnnIsa
{
    public const string Variable = "ONEDNN_MAX_CPU_ISA";
    public const string Default = "AVX2";

    /// <summary>Sets <see cref="Variable"/> to <see cref="Default"/> in the process's native environment unless it is set.</summary>
    public static void CapUnlessChosen()
    {
        if (!OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } || Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") is { Length: > 0 }) return;
        // .NET keeps its own copy of the environment: oneDNN's getenv sees only libc's.
        if (SetEnv(Variable, Default, 0) != 0)
            throw new InvalidOperationException($"setenv {Variable} failed: errno {Marshal.GetLastPInvokeError()}");
        Environment.SetEnvironmentVariable(Variable, Default);
    }

    [DllImport("libc", EntryPoint = "setenv", SetLastError = true)]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
