using System.Globalization;

namespace Atelier.GpuWorker.Benchmarks;

/// <summary>
/// The theoretical float32 peak of the CPU cores a benchmark uses: cores × GHz × FLOP per cycle, where a core is
/// assumed to have two fused-multiply-add pipes as wide as the vectors its kernels use (2 × lanes × 2 FLOP per cycle:
/// 32 for AVX2, 64 for AVX-512), or one add and one multiply pipe without FMA (lanes × 2). That holds for Intel
/// since Haswell (Xeons with a single 512-bit FMA port reach half the AVX-512 figure), AMD Zen 2, 3 and 5 (mobile
/// Zen 5 halves AVX-512 as Zen 4 does). Zen 4 (family 25) runs AVX-512 on 256-bit halves, so it counts as 256 bits.
/// <see cref="Isa"/> is the widest set the CPU has (<see cref="CpuIsa"/>); when oneDNN runs the convolutions
/// (<see cref="Hosting.CpuConvolutions"/>, off by default), under the worker's cap on it (<see cref="Hosting.OneDnnIsa"/>).
/// libtorch's GEMMs (MKL), which run the convolutions otherwise, are not capped, and are measured as well.
/// </summary>
public sealed record CpuFmaPeak(int Cores, double Ghz, string ClockSource, string Isa, string CpuIsa, int VectorBits, int FmaUnits, int FlopPerCycle)
{
    public double Gflops => Cores * Ghz * FlopPerCycle;

    /// <summary>
    /// Reads this machine's <c>/proc/cpuinfo</c> (and <c>cpuinfo_max_freq</c> when there is one) for
    /// <paramref name="threads"/> compute threads; null where those say too little (not Linux, not x86).
    /// </summary>
    public static CpuFmaPeak? OfThisMachine(int threads)
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return null;
            const string maxFreq = "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq";
            return FromCpuInfo(File.ReadAllText("/proc/cpuinfo"), File.Exists(maxFreq) ? File.ReadAllText(maxFreq) : null,
                threads, Environment.ProcessorCount,
                Hosting.CpuConvolutions.OneDnnChosen() ? Environment.GetEnvironmentVariable(Hosting.OneDnnIsa.Variable) : null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The peak from <c>/proc/cpuinfo</c> text (its first processor's block), <c>cpuinfo_max_freq</c> in kHz (null
    /// when absent: then "cpu MHz" is the clock), the compute threads, the logical CPUs this process may use, and
    /// <c>ONEDNN_MAX_CPU_ISA</c>, which caps the vector width of libtorch's convolutions (null, empty or ALL: no cap).
    /// </summary>
    public static CpuFmaPeak? FromCpuInfo(string cpuinfo, string? maxFreqKhz, int threads, int logicalCpus, string? oneDnnMaxIsa)
    {
        var fields = FirstProcessor(cpuinfo);
        if (!fields.TryGetValue("flags", out var flagText)) return null;
        var flags = flagText.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

        double ghz;
        string clockSource;
        if (double.TryParse(maxFreqKhz?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var khz) && khz > 0)
            (ghz, clockSource) = (khz / 1e6, "cpuinfo_max_freq");
        else if (fields.TryGetValue("cpu MHz", out var mhzText) && double.TryParse(mhzText, NumberStyles.Float, CultureInfo.InvariantCulture, out var mhz) && mhz > 0)
            (ghz, clockSource) = (mhz / 1e3, "cpu MHz");
        else
            return null;

        var cpuIsa = flags.Contains("avx512f") ? VectorIsa.Avx512 : flags.Contains("avx2") ? VectorIsa.Avx2 : flags.Contains("avx") ? VectorIsa.Avx
            : flags.Contains("sse2") ? VectorIsa.Sse : (VectorIsa?)null;
        if (cpuIsa is null) return null;
        var isa = OneDnnCap(oneDnnMaxIsa) is { } cap && cap < cpuIsa ? cap : cpuIsa.Value;
        var bits = isa switch { VectorIsa.Avx512 => 512, VectorIsa.Avx2 or VectorIsa.Avx => 256, _ => 128 };
        var fma = flags.Contains("fma") && isa >= VectorIsa.Avx2;
        var datapathBits = IsZen4(fields) ? Math.Min(bits, 256) : bits;
        var lanes = datapathBits / 32;
        var fmaUnits = fma ? 2 : 0;
        var flopPerCycle = fma ? fmaUnits * lanes * 2 : lanes * 2;

        // With SMT, two logical CPUs share one core's vector pipes.
        var threadsPerCore = Int(fields, "siblings") is > 0 and var siblings && Int(fields, "cpu cores") is > 0 and var cores
            ? Math.Max(1, siblings / cores)
            : 1;
        var usedCores = Math.Max(1, Math.Min(threads, Math.Max(1, logicalCpus / threadsPerCore)));
        return new CpuFmaPeak(usedCores, ghz, clockSource, isa.ToString().ToLowerInvariant(), cpuIsa.Value.ToString().ToLowerInvariant(), datapathBits, fmaUnits, flopPerCycle);
    }

    /// <summary>Vector instruction sets, narrowest first.</summary>
    private enum VectorIsa { Sse, Avx, Avx2, Avx512 }

    /// <summary>The widest set oneDNN may use under <c>ONEDNN_MAX_CPU_ISA</c>; null for no cap (unset, ALL, or a name it would ignore).</summary>
    private static VectorIsa? OneDnnCap(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        null or "" or "ALL" => null,
        var v when v.StartsWith("AVX512", StringComparison.Ordinal) || v.StartsWith("AVX10", StringComparison.Ordinal) => VectorIsa.Avx512,
        var v when v.StartsWith("AVX2", StringComparison.Ordinal) => VectorIsa.Avx2,
        "AVX" => VectorIsa.Avx,
        "SSE41" => VectorIsa.Sse,
        _ => null,
    };

    private static bool IsZen4(Dictionary<string, string> fields) =>
        fields.GetValueOrDefault("vendor_id") == "AuthenticAMD" && Int(fields, "cpu family") == 25;

    private static int Int(Dictionary<string, string> fields, string key) =>
        fields.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;

    /// <summary>"key : value" lines up to the first blank line (one processor's block).</summary>
    private static Dictionary<string, string> FirstProcessor(string cpuinfo)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in cpuinfo.Split('\n'))
        {
            if (line.Trim().Length == 0)
            {
                if (fields.Count > 0) break;
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon > 0) fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
        }
        return fields;
    }
}
