using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Benchmarks;

/// <summary>
/// The peak a benchmark's achieved GFLOP/s is divided by: the larger of the best measured GEMM and, on a CPU, the
/// theoretical FMA peak. A measured GEMM is a lower bound of the peak (an achieved rate above it means the GEMM fell
/// short, not that the job beat the machine); the theoretical figure can be too low too (turbo clocks above the
/// reported one), so neither is trusted alone. On a GPU torch gives no clock or unit counts: the GEMM is the peak.
/// </summary>
public sealed record ComputePeak(IReadOnlyList<GemmRate> Gemm, bool Tf32, CpuFmaPeak? Fma)
{
    public const string GemmSource = "gemm";
    public const string FmaSource = "fma-theoretical";

    public GemmRate BestGemm => Gemm.MaxBy(r => r.Gflops) ?? new GemmRate(0, 0);

    public bool FmaIsPeak => Fma is { } fma && fma.Gflops > BestGemm.Gflops;

    public double Gflops => FmaIsPeak ? Fma!.Gflops : BestGemm.Gflops;

    public string Source => FmaIsPeak ? FmaSource : GemmSource;

    /// <summary>
    /// Times the GEMMs on <paramref name="device"/> (TF32 on CUDA where the convolutions use it) and, on a CPU, reads
    /// the theoretical peak of the cores torch computes with.
    /// </summary>
    public static ComputePeak Measure(Device device)
    {
        var cuda = device.type == DeviceType.CUDA;
        var tf32 = cuda && torch.backends.cudnn.allow_tf32;
        return new ComputePeak(GemmRates.Measure(device, tf32), tf32, cuda ? null : CpuFmaPeak.OfThisMachine(torch.get_num_threads()));
    }

    /// <summary>One line for the text output: the chosen peak, every GEMM size and the theoretical figure with its inputs.</summary>
    public string Describe(bool cuda)
    {
        var gemm = string.Join(", ", Gemm.Select(r => $"{r.Size}: {r.Gflops:F1}"));
        var fma = Fma is { } f
            ? $"{f.Cores} cores × {f.Ghz:F3} GHz ({f.ClockSource}) × {f.FlopPerCycle} FLOP/cycle ({f.Isa}{(f.Isa == f.CpuIsa ? "" : $" of {f.CpuIsa}")}, {f.VectorBits}-bit, {f.FmaUnits} FMA units) = {f.Gflops:F1}"
            : cuda ? "not known from torch on a GPU" : "unknown";
        return $"peak {Gflops:F1} GFLOP/s ({Source}); best {(Tf32 ? "TF32" : "float32")} GEMM by n: {gemm}; FMA theoretical: {fma}";
    }

    /// <summary>
    /// The JSON fields: <c>matmul_gflops</c> and <c>matmul_size</c> (the best GEMM, as before), <c>gemm_gflops</c>
    /// (each size), <c>gemm_tf32</c>, <c>fma_peak</c> (null when unknown), <c>peak_gflops</c> and <c>peak_source</c>.
    /// </summary>
    public Dictionary<string, object?> JsonFields() => new()
    {
        ["matmul_gflops"] = Math.Round(BestGemm.Gflops, 2),
        ["matmul_size"] = BestGemm.Size,
        ["gemm_gflops"] = Gemm.ToDictionary(r => r.Size.ToString(CultureInfo.InvariantCulture), r => Math.Round(r.Gflops, 2)),
        ["gemm_tf32"] = Tf32,
        ["fma_peak"] = Fma is { } f
            ? new Dictionary<string, object>
            {
                ["gflops"] = Math.Round(f.Gflops, 2),
                ["cores"] = f.Cores,
                ["ghz"] = Math.Round(f.Ghz, 4),
                ["clock_source"] = f.ClockSource,
                ["isa"] = f.Isa,
                ["cpu_isa"] = f.CpuIsa,
                ["vector_bits"] = f.VectorBits,
                ["fma_units"] = f.FmaUnits,
                ["flop_per_cycle"] = f.FlopPerCycle,
            }
            : null,
        ["peak_gflops"] = Math.Round(Gflops, 2),
        ["peak_source"] = Source,
    };
}
