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
/// So the worker passes only the constants below (static, never collected) or Scalars held in a <c>using</c> for the
/// duration of the call, through these methods. <c>TorchScalarUseTests</c> compiles the worker and fails on each place
/// it finds that makes a Scalar on the fly; <c>JobsUnderCollectionsTests</c> runs each job's training loop twice side
/// by side while a third thread forces collections, and compares every number with an undisturbed run.
/// </para>
/// <para>
/// A method taking a <c>double</c> makes a floating Scalar: on an integral tensor the result is floating (or, in
/// place, an error). Those with a <c>long</c> overload keep an integral tensor integral.
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
    public static Tensor PlusScaled_(this Tensor a, Tensor b, double alpha) => With(alpha, s => a.add_(b, s));

    /// <summary><paramref name="a"/> + <paramref name="value"/> (a number).</summary>
    public static Tensor PlusNumber(this Tensor a, double value) => With(value, s => a.add(s, One));

    /// <summary><paramref name="a"/> += <paramref name="value"/> (a number), in place.</summary>
    public static Tensor PlusNumber_(this Tensor a, double value) => With(value, s => a.add_(s, One));

    /// <summary><paramref name="a"/> − <paramref name="value"/> (a number).</summary>
    public static Tensor MinusNumber(this Tensor a, double value) => With(value, s => a.sub(s));

    /// <summary><paramref name="a"/> · <paramref name="factor"/>.</summary>
    public static Tensor Times(this Tensor a, double factor) => With(factor, s => a.mul(s));

    /// <summary><paramref name="a"/> · <paramref name="factor"/>: an integral factor keeps an integral tensor integral.</summary>
    public static Tensor Times(this Tensor a, long factor) => With(factor, s => a.mul(s));

    /// <summary><paramref name="a"/> ·= <paramref name="factor"/>, in place.</summary>
    public static Tensor Times_(this Tensor a, double factor) => With(factor, s => a.mul_(s));

    /// <summary><paramref name="a"/> ·= <paramref name="factor"/>, in place, an integer.</summary>
    public static Tensor Times_(this Tensor a, long factor) => With(factor, s => a.mul_(s));

    /// <summary><paramref name="a"/> / <paramref name="divisor"/>.</summary>
    public static Tensor Over(this Tensor a, double divisor) => With(divisor, s => a.div(s));

    /// <summary><paramref name="a"/> / <paramref name="divisor"/>, an integer.</summary>
    public static Tensor Over(this Tensor a, long divisor) => With(divisor, s => a.div(s));

    /// <summary><paramref name="a"/> /= <paramref name="divisor"/>, in place.</summary>
    public static Tensor Over_(this Tensor a, double divisor) => With(divisor, s => a.div_(s));

    /// <summary><paramref name="a"/> mod <paramref name="divisor"/> (Python's sign convention, as <c>remainder</c>).</summary>
    public static Tensor Remainder(this Tensor a, long divisor) => With(divisor, s => a.remainder(s));

    /// <summary><paramref name="a"/> mod <paramref name="divisor"/> (Python's sign convention, as <c>remainder</c>).</summary>
    public static Tensor Remainder(this Tensor a, double divisor) => With(divisor, s => a.remainder(s));

    /// <summary><paramref name="a"/> &gt; <paramref name="value"/>, element-wise.</summary>
    public static Tensor IsAbove(this Tensor a, double value) => With(value, s => a.gt(s));

    /// <summary><paramref name="a"/> &lt; <paramref name="value"/>, element-wise.</summary>
    public static Tensor IsBelow(this Tensor a, double value) => With(value, s => a.lt(s));

    /// <summary><paramref name="a"/>², as TorchSharp's <c>square()</c> (which is <c>pow(2)</c> with a Scalar made on the fly).</summary>
    public static Tensor Squared(this Tensor a) => With(2L, s => a.pow(s));

    /// <summary>1 − <paramref name="a"/>.</summary>
    public static Tensor OneMinus(this Tensor a) => ones_like(a).sub_(a);

    /// <summary><paramref name="a"/> clamped to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Tensor Clamp(this Tensor a, double min, double max) => With(min, lo => With(max, hi => a.clamp(lo, hi)));

    /// <summary><paramref name="a"/> clamped to [<paramref name="min"/>, <paramref name="max"/>], in place.</summary>
    public static Tensor Clamp_(this Tensor a, double min, double max) => With(min, lo => With(max, hi => a.clamp_(lo, hi)));

    /// <summary>0, 1, …, <paramref name="stop"/> − 1, as <c>arange(stop)</c>.</summary>
    public static Tensor Range(long stop, ScalarType dtype, Device? device = null) =>
        With(0L, start => With(stop, end => arange(start, end, One, dtype, device)));

    /// <summary><paramref name="op"/> with <paramref name="value"/> as a Scalar held until it returns.</summary>
    private static Tensor With(double value, Func<Scalar, Tensor> op)
    {
        using var scalar = value.ToScalar();
        return op(scalar);
    }

    /// <summary><paramref name="op"/> with the integer <paramref name="value"/> as a Scalar held until it returns.</summary>
    private static Tensor With(long value, Func<Scalar, Tensor> op)
    {
        using var scalar = value.ToScalar();
        return op(scalar);
    }
}
