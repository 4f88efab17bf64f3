namespace Atelier.Contracts.Specs;

/// <summary>
/// SplitMix64: a tiny generator whose output depends only on the seed, on every platform and .NET version
/// (System.Random's algorithm is unspecified, and trials must be reproducible from a recorded seed).
/// </summary>
public sealed class SeededRandom(long seed)
{
    private ulong _state = unchecked((ulong)seed);

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        unchecked
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>A double uniform in [0, 1), with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>An integer uniform in [<paramref name="min"/>, <paramref name="max"/>], both inclusive, without bias.</summary>
    public long NextInclusive(long min, long max)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(min, max);
        unchecked
        {
            var range = (ulong)(max - min) + 1;
            if (range == 0)
                return (long)NextUInt64(); // the whole 64-bit range
            // Reject the lowest (2^64 mod range) draws so every residue is equally likely.
            var threshold = (0 - range) % range;
            ulong r;
            do
            {
                r = NextUInt64();
            } while (r < threshold);
            return min + (long)(r % range);
        }
    }
}
