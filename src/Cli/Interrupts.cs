namespace Atelier.Cli;

/// <summary>
/// Routes Ctrl+C: to the command that the interactive prompt is running, if any (the prompt goes on),
/// else to pbm as a whole (the first Ctrl+C stops it cleanly, a second one ends the process at once).
/// </summary>
public sealed class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _root = new();
    private CancellationTokenSource? _command;

    /// <summary>Cancelled by a Ctrl+C that no command took.</summary>
    public CancellationToken Token => _root.Token;

    /// <summary>Handles one Ctrl+C; false when the process should end at once (the second one).</summary>
    public bool Interrupt()
    {
        if (Interlocked.Exchange(ref _command, null) is { } command)
        {
            try
            {
                command.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The command has just ended: nothing is left to interrupt.
            }
            return true;
        }
        if (_root.IsCancellationRequested)
            return false;
        _root.Cancel();
        return true;
    }

    /// <summary>Sends the next Ctrl+C to <paramref name="command"/> until the result is disposed.</summary>
    internal IDisposable Redirect(CancellationTokenSource command)
    {
        Volatile.Write(ref _command, command);
        return new Release(this, command);
    }

    public void Dispose() => _root.Dispose();

    private sealed class Release(Interrupts owner, CancellationTokenSource command) : IDisposable
    {
        public void Dispose() => Interlocked.CompareExchange(ref owner._command, null, command);
    }
}
