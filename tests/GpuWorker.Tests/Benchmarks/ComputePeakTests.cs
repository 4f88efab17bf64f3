using System.Text.Json;
using Atelier.GpuWorker.Benchmarks;
using Atelier.GpuWorker.Jobs.Style;

namespace Atelier.GpuWorker.Tests.Benchmarks;

/// <summary>The theoretical CPU peak from cpuinfo text, the choice of the peak a benchmark divides by, and its JSON.</summary>
public sealed class ComputePeakTests
{
    /// <summary>The development VM's first processor (AMD EPYC, Zen 5), flags shortened to the ones that matter.</summary>
    private static string CpuInfo(int family = 26, string flags = "fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx avx2 avx512f avx512dq avx512bw avx512vl",
        int siblings = 2, int cores = 2) =>
        $"""
         processor	: 0
         vendor_id	: AuthenticAMD
         cpu family	: {family}
         model name	: AMD EPYC
         cpu MHz		: 2096.024
         siblings	: {siblings}
         cpu cores	: {cores}
         flags		: {flags}

         processor	: 1
         vendor_id	: AuthenticAMD
         cpu MHz		: 1500.000
         flags		: fpu sse sse2

         """.Replace("\r\n", "\n");

    [Fact]
    public void The_worker_s_AVX2_cap_gives_two_256_bit_FMA_units_per_core()
    {
        var peak = CpuFmaPeak.FromCpuInfo(CpuInfo(), null, threads: 2, logicalCpus: 2, oneDnnMaxIsa: "AVX2")!;
        Assert.Equal(new CpuFmaPeak(2, 2.096024, "cpu MHz", "avx2", "avx512", 256, 2, 32), peak);
        Assert.Equal(2 * 2.096024 * 32, peak.Gflops, 9);
    }

    [Fact]
    public void Without_a_cap_AVX_512_doubles_the_flop_per_cycle_except_on_Zen_4()
    {
        Assert.Equal(64, CpuFmaPeak.FromCpuInfo(CpuInfo(), null, 2, 2, "ALL")!.FlopPerCycle);
        Assert.Equal(64, CpuFmaPeak.FromCpuInfo(CpuInfo(), null, 2, 2, null)!.FlopPerCycle);
        // Zen 4 runs AVX-512 on 256-bit halves.
        var zen4 = CpuFmaPeak.FromCpuInfo(CpuInfo(family: 25), null, 2, 2, null)!;
        Assert.Equal(("avx512", 256, 32), (zen4.Isa, zen4.VectorBits, zen4.FlopPerCycle));
    }

    [Fact]
    public void Without_FMA_a_core_adds_and_multiplies_in_two_pipes()
    {
        var avx = CpuFmaPeak.FromCpuInfo(CpuInfo(flags: "sse sse2 avx"), null, 1, 2, null)!;
        Assert.Equal(("avx", 256, 0, 16, 1), (avx.Isa, avx.VectorBits, avx.FmaUnits, avx.FlopPerCycle, avx.Cores));
        Assert.Equal(8, CpuFmaPeak.FromCpuInfo(CpuInfo(), null, 1, 2, "SSE41")!.FlopPerCycle);
    }

    [Fact]
    public void The_clock_is_cpuinfo_max_freq_when_present_and_the_cores_are_the_threads_on_physical_cores()
    {
        var peak = CpuFmaPeak.FromCpuInfo(CpuInfo(siblings: 4, cores: 2), "3700000\n", threads: 4, logicalCpus: 4, "AVX2")!;
        Assert.Equal((3.7, "cpuinfo_max_freq"), (peak.Ghz, peak.ClockSource));
        Assert.Equal(2, peak.Cores); // 4 SMT threads on 2 cores
        Assert.Equal(1, CpuFmaPeak.FromCpuInfo(CpuInfo(), null, threads: 1, logicalCpus: 2, "AVX2")!.Cores);
    }

    [Fact]
    public void Unknown_without_x86_flags_or_a_clock()
    {
        Assert.Null(CpuFmaPeak.FromCpuInfo("processor\t: 0\nFeatures\t: fp asimd sve\nBogoMIPS\t: 50.00\n", null, 2, 2, null));
        Assert.Null(CpuFmaPeak.FromCpuInfo("processor\t: 0\nflags\t: fpu sse2 avx2 fma\n", null, 2, 2, null));
        Assert.Null(CpuFmaPeak.FromCpuInfo("", null, 2, 2, null));
    }

    private static readonly CpuFmaPeak Fma134 = new(2, 2.096, "cpu MHz", "avx2", "avx512", 256, 2, 32);

    [Fact]
    public void The_peak_is_the_larger_of_the_best_GEMM_and_the_theoretical_figure()
    {
        var belowTheory = new ComputePeak([new(1024, 90), new(2048, 120), new(3072, 110)], false, Fma134);
        Assert.Equal((2048, 120.0), (belowTheory.BestGemm.Size, belowTheory.BestGemm.Gflops));
        Assert.Equal((Fma134.Gflops, "fma-theoretical"), (belowTheory.Gflops, belowTheory.Source));

        // A GEMM above the theoretical figure means the clock or the width was underestimated (turbo, wider units).
        var aboveTheory = new ComputePeak([new(1024, 90), new(2048, 150)], false, Fma134);
        Assert.Equal((150.0, "gemm"), (aboveTheory.Gflops, aboveTheory.Source));

        var gpu = new ComputePeak([new(4096, 300_000), new(8192, 357_000)], true, null);
        Assert.Equal((357_000.0, "gemm"), (gpu.Gflops, gpu.Source));
    }

    [Fact]
    public void The_JSON_names_the_peak_its_source_every_GEMM_size_and_the_theoretical_inputs()
    {
        var peak = new ComputePeak([new(1024, 90.123), new(2048, 120.456)], false, Fma134);
        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(peak.JsonFields()));
        var root = doc.RootElement;
        Assert.Equal(120.46, root.GetProperty("matmul_gflops").GetDouble());
        Assert.Equal(2048, root.GetProperty("matmul_size").GetInt32());
        Assert.Equal(90.12, root.GetProperty("gemm_gflops").GetProperty("1024").GetDouble());
        Assert.False(root.GetProperty("gemm_tf32").GetBoolean());
        Assert.Equal(Math.Round(Fma134.Gflops, 2), root.GetProperty("peak_gflops").GetDouble());
        Assert.Equal("fma-theoretical", root.GetProperty("peak_source").GetString());
        var fma = root.GetProperty("fma_peak");
        Assert.Equal((2, 2.096, 32, "avx2", "avx512"), (fma.GetProperty("cores").GetInt32(), fma.GetProperty("ghz").GetDouble(),
            fma.GetProperty("flop_per_cycle").GetInt32(), fma.GetProperty("isa").GetString(), fma.GetProperty("cpu_isa").GetString()));

        using var gpu = JsonDocument.Parse(JsonSerializer.Serialize(new ComputePeak([new(8192, 357_000)], true, null).JsonFields()));
        Assert.Equal(JsonValueKind.Null, gpu.RootElement.GetProperty("fma_peak").ValueKind);
        Assert.Equal("gemm", gpu.RootElement.GetProperty("peak_source").GetString());
        Assert.Contains("not known from torch on a GPU", new ComputePeak([new(8192, 357_000)], true, null).Describe(cuda: true));
    }

    [Fact]
    public void A_style_iteration_counts_convolutions_twice_and_three_Gram_products_per_style_layer()
    {
        // conv1_1 at 32×32: 2·9·3·64·32·32; its Gram at relu1_1: 6·64²·32².
        Assert.Equal(2 * (2.0 * 9 * 3 * 64 * 1024) + 6.0 * 64 * 64 * 1024, StyleTransferBenchmark.IterationFlops(32, "relu1_1", ["relu1_1"]));
        // Up to relu2_1 at 64×64: conv1_1, conv1_2 at 64², pool, conv2_1 at 32²; Grams at relu1_1 (64², 64 ch) and relu2_1 (32², 128 ch).
        var conv = 2.0 * 9 * (3 * 64 * 4096 + 64 * 64 * 4096 + 64 * 128 * 1024);
        Assert.Equal(2 * conv + 6.0 * (64 * 64 * 4096 + 128 * 128 * 1024), StyleTransferBenchmark.IterationFlops(64, "relu1_2", ["relu1_1", "relu2_1"]));
    }
}
