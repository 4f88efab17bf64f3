namespace Atelier.Testing;

/// <summary>Waiting for a condition with a deadline, failing with a message that says what never happened.</summary>
public static class Poll
{
    /// <summary>The default pause between two checks.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Calls <paramref name="check"/> until it returns a non-null value and returns it; throws a
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> (and the last exception, if the check threw)
    /// after <paramref name="timeout"/>, or as soon as <paramref name="failFast"/> returns a reason.
    /// </summary>
    public static async Task<T> UntilAsync<T>(
        Func<CancellationToken, Task<T?>> check, TimeSpan timeout, string what,
        Func<string?>? failFast = null, TimeSpan? interval = null, CancellationToken cancellationToken = default)
        where T : class
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        Exception? last = null;
        while (true)
        {
            if (failFast?.Invoke() is { } reason)
                throw new InvalidOperationException($"gave up waiting for {what}: {reason}");
            try
            {
                if (await check(deadline.Token) is { } value) return value;
                last = null;
            }
            catch (Exception e) when (e is not OperationCanceledException || !deadline.IsCancellationRequested)
            {
                last = e;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The deadline passed during the check.
            }
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await Task.Delay(interval ?? Interval, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            if (deadline.IsCancellationRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var because = last is null ? "" : $" (last check threw {last.GetType().Name}: {last.Message})";
                throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:0.#} s{because}");
            }
        }
    }

    /// <summary>As <see cref="UntilAsync{T}"/>, for a yes/no condition.</summary>
    public static Task UntilAsync(
        Func<CancellationToken, Task<bool>> check, TimeSpan timeout, string what,
        Func<string?>? failFast = null, TimeSpan? interval = null, CancellationToken cancellationToken = default) =>
        UntilAsync<object>(async ct => await check(ct) ? new object() : null, timeout, what, failFast, interval, cancellationToken);
}
