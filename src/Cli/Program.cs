using Atelier.Cli;

using var interrupts = new Interrupts();
// The first Ctrl+C stops pbm (or, in the prompt, the running command) cleanly; a second one ends the process at once.
Console.CancelKeyPress += (_, e) => e.Cancel = interrupts.Interrupt();
return await Pbm.RunAsync(args, Console.Out, Console.Error, PbmHost.FromConsole() with { Interrupts = interrupts }, interrupts.Token);
