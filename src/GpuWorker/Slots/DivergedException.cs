namespace Atelier.GpuWorker.Slots;

/// <summary>A job reported a metric that is NaN or infinite: its run diverged, and the attempt fails.</summary>
public sealed class DivergedException(string message) : Exception(message)
{
    /// <summary>Throws when any of <paramref name="values"/> is NaN or infinite, naming the first such metric and <paramref name="where"/>.</summary>
    public static void ThrowIfNotFinite(IReadOnlyDictionary<string, double> values, string where)
    {
        foreach (var (name, value) in values)
        {
            if (!double.IsFinite(value))
                throw new DivergedException($"metric {name} is {value} {where}: the run diverged");
        }
    }
}
