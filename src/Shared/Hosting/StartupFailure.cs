namespace Atelier.Shared.Hosting;

/// <summary>Turns a failed start (often a nest of aggregate exceptions) into one line a person can act on.</summary>
public static class StartupFailure
{
    public static string Describe(Exception e)
    {
        var chain = new List<Exception>();
        for (var current = e; current is not null; current = current is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[0] : current.InnerException)
            chain.Add(current);
        // The outermost exception that is not a wrapper says what failed; the innermost says why.
        var what = chain.FirstOrDefault(x => x is not AggregateException && x.GetType().Name != "TargetInvocationException") ?? e;
        var why = chain[^1];
        return ReferenceEquals(what, why) ? what.Message : $"{what.Message.Replace(" See InnerException for details.", "")}: {why.Message}";
    }
}
