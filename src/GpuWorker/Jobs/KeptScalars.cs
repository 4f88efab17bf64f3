using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs;

/// <summary>
/// Tensor arithmetic whose <see cref="Scalar"/>s stay alive until libtorch has read them.
/// <para>
/// TorchSharp 0.107 passes a Scalar's native handle to libtorch without keeping the managed Scalar alive through the
/// call. A Scalar made on the fly (a number converted implicitly, or the <c>alpha = 1</c> that TorchSharp's own
/// <c>add(Tensor)</c>, <c>add_(Tensor)</c> and the tensor <c>+</c> operator make) is therefore garbage from the moment
/// its handle is read: a collection during the native call lets the finalizer thread free it while libtorch still
/// reads it. libtorch then fails with "Unknown scalar type" or, if the memory was reused, reads another value. Slots
/// train side by side in one worker process, so one slot's allocations trigger the collections that free the other's
/// Scalars (a fresh-clone demo lost a cifar attempt to it).
/// </para>
/// <para>
/// So the jobs' training loops pass only the constants below (static, never collected) or Scalars held in a
/// <c>using</c> for the duration of the call, through these methods. <c>CifarUnderCollectionsTests</c> trains cifar
/// on two threads while a third forces collections, and compares every number with an undisturbed run. The style
/// loop is converted too, but a run like that still failed once in five there: a Scalar made on the fly remains on
/// its path (not yet found), and the synthetic CIFAR generator still makes them.
/// </para>
/// </summary>
public static class KeptScalars
{
    /// <summary>An integral 1: valid as <c>alpha</c> for integral and floating tensors alike.</summary>
    public static readonly Scalar One = 1L.ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><paramref name="a"/> += <paramref name="b"/>, in place.</summary>
    public static Tensor Plus_(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary><paramref name="a"/> += <paramref name="alpha"/> · <paramref name="b"/>, in place.</summary>
    public static Tensor PlusScaled_(this Tensor a, Tensor b, double alpha)
    {
        using var s = alpha.ToScalar();
        return a.add_(b, s);
    }

    /// <summary><paramref name="a"/> + <paramref name="value"/> (a number).</summary>
    public static Tensor PlusNumber(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.add(s, One);
    }

    /// <summary><paramref name="a"/> += <paramref name="value"/> (a number), in place.</summary>
    public static Tensor PlusNumber_(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.add_(s, One);
    }

    /// <summary><paramref name="a"/> · <paramref name="factor"/>.</summary>
    public static Tensor Times(this Tensor a, double factor)
    {
        using var s = factor.ToScalar();
        return a.mul(s);
    }

    /// <summary><paramref name="a"/> · <paramref name="factor"/>: an integral factor keeps an integral tensor integral.</summary>
    public static Tensor Times(this Tensor a, long factor)
    {
        using var s = factor.ToScalar();
        return a.mul(s);
    }

    /// <summary><paramref name="a"/> ·= <paramref name="factor"/>, in place.</summary>
    public static Tensor Times_(this Tensor a, double factor)
    {
        using var s = factor.ToScalar();
        return a.mul_(s);
    }

    /// <summary><paramref name="a"/> / <paramref name="divisor"/>.</summary>
    public static Tensor Over(this Tensor a, double divisor)
    {
        using var s = divisor.ToScalar();
        return a.div(s);
    }

    /// <summary><paramref name="a"/> / <paramref name="divisor"/>, an integer.</summary>
    public static Tensor Over(this Tensor a, long divisor)
    {
        using var s = divisor.ToScalar();
        return a.div(s);
    }

    /// <summary><paramref name="a"/> /= <paramref name="divisor"/>, in place.</summary>
    public static Tensor Over_(this Tensor a, double divisor)
    {
        using var s = divisor.ToScalar();
        return a.div_(s);
    }

    /// <summary>1 − <paramref name="a"/>.</summary>
    public static Tensor OneMinus(this Tensor a) => ones_like(a).sub_(a);

    /// <summary><paramref name="a"/> clamped to [<paramref name="min"/>, <paramref name="max"/>], in place.</summary>
    public static Tensor Clamp_(this Tensor a, double min, double max)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return a.clamp_(lo, hi);
    }
}
