using Atelier.Cli;

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops pbm cleanly; a second one ends the process at once.
    if (interrupted.IsCancellationRequested) return;
    e.Cancel = true;
    interrupted.Cancel();
};
return await Pbm.RunAsync(args, Console.Out, Console.Error, PbmHost.FromConsole(), interrupted.Token);
