using Atelier.GpuWorker.Benchmarks;
using Atelier.GpuWorker.Hosting;
using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Standalone;
using Atelier.Shared.Hosting;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

// A node's options are screened before libtorch loads: --help or a typo needs none of it.
var command = args.Length > 0 && args[0] is "run" or "bench" ? args[0] : null;
if (command is null && SettingArguments.Screen("worker", WorkerSettings.All, args,
        "run JOB [-p NAME=VALUE]... --out DIR [--resume]   (one job, standalone)",
        "bench KIND [options]   (kinds: style-transfer, cifar-vgg19)") is { } screened)
    return screened.Print();

// Before anything touches libtorch: its CPU convolutions' AVX-512 kernels are wrong on some processors.
OneDnnIsa.CapUnlessChosen();
// Then off oneDNN altogether: its convolution backward pass returns NaN now and then (see CpuConvolutions).
try
{
    CpuConvolutions.KeepOnNativeKernelsUnlessChosen();
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"worker: {e.Message}");
    return 2;
}

if (command == "run")
{
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    return RunCommand.Execute(args[1..], JobRegistry.Default(), Console.Out, Console.Error, cancel.Token);
}

if (command == "bench") return BenchCommand.Execute(args[1..], Console.Out, Console.Error);

// A stop signal ends the process even if the cluster also dropped this node while stopping.
var stopRequested = false;
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => stopRequested = true);
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => stopRequested = true);

// Each pass is one actor system; the watchdog ends a pass when the cluster lost its coordinators.
while (true)
{
    var builder = Host.CreateApplicationBuilder(args);
    builder.Configuration.AddAtelierSettings(WorkerSettings.All, args);
    WorkerSettings settings;
    IReadOnlyList<string> devices;
    try
    {
        settings = WorkerSettings.From(builder.Configuration);
        WritableDirectory.Require(WorkerSettings.DataDirectorySetting, settings.DataDirectory);
        MembershipFile.ClearStale(settings.DataDirectory);
        devices = Devices.SlotDevices(settings);
    }
    catch (Exception e) when (e is SettingException or InvalidOperationException)
    {
        Console.Error.WriteLine($"worker: {e.Message}");
        return 2;
    }
    try
    {
        settings = settings with { Node = settings.Node.WithTlsLoaded() };
    }
    catch (NodeTlsException e)
    {
        Console.Error.WriteLine($"worker: {e.Message}");
        return NodeTlsMaterial.ExitCode;
    }

    var lifetime = new WorkerLifetime();
    builder.Services.AddWorkerAkka(settings, devices, lifetime);
    try
    {
        await builder.Build().RunAsync();
    }
    catch (Exception e)
    {
        Console.Error.WriteLine($"worker: cannot start: {StartupFailure.Describe(e)} (remoting {settings.Node.Host}:{settings.Node.Port}; choose another with --port)");
        return 1;
    }
    // A downed worker rejoins (below) rather than exiting with the downing code; one being stopped anyway exits with 0.
    if (!(NodeExit.Downed && (lifetime.Rejoin || stopRequested)) && NodeExit.Describe() is { } stopped)
    {
        Console.Error.WriteLine($"worker: {stopped}");
        return NodeExit.Reason!.ExitCode;
    }
    if (!lifetime.Rejoin || stopRequested) return 0;
    Console.Error.WriteLine($"worker: {lifetime.Reason}; starting a fresh actor system to rejoin");
}
