using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Atelier.Testing;

/// <summary>
/// One real process (<c>dotnet some.dll …</c>) whose stdout and stderr go, line by line, to its own log file,
/// so a failing test can show the end of every log. <see cref="Kill"/> is kill -9 of the whole process tree.
/// </summary>
public sealed class ClusterProcess : IAsyncDisposable
{
    // Every process still running when this one exits, or is stopped by SIGTERM, SIGINT or SIGHUP, is killed, so
    // that an aborted test run or benchmark does not leave clusters behind (a SIGKILL cannot be caught).
    private static readonly HashSet<ClusterProcess> Live = [];
    private static readonly PosixSignalRegistration[] SignalHandlers =
    [
        .. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP }
            .Select(signal => PosixSignalRegistration.Create(signal, _ => KillAllLive())),
    ];

    static ClusterProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllLive();

    private static void KillAllLive()
    {
        List<ClusterProcess> live;
        lock (Live) live = [.. Live];
        foreach (var process in live)
        {
            try
            {
                if (!process._process.HasExited) process._process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
    }

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _logClosed;

    private ClusterProcess(string name, Process process, string logPath, StreamWriter log)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
        _log = log;
    }

    /// <summary>A short name for messages, e.g. <c>coordinator</c> or <c>worker-1</c>.</summary>
    public string Name { get; }

    /// <summary>The file that receives the process's stdout and stderr.</summary>
    public string LogPath { get; }

    /// <summary>The operating system's id of the process.</summary>
    public int Id { get; private set; }

    /// <summary>The command line, for messages.</summary>
    public string CommandLine { get; private set; } = "";

    public bool HasExited => _process.HasExited;

    /// <summary>Whether <see cref="KillAsync"/> ended it (as opposed to exiting on its own).</summary>
    public bool WasKilled { get; private set; }

    /// <summary>CPU time the process has used so far (user + system); zero once it has exited.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            try
            {
                _process.Refresh();
                return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                return TimeSpan.Zero;
            }
        }
    }

    /// <summary>The exit code once the process has exited, else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/> <paramref name="args"/></c> in <paramref name="workingDirectory"/>
    /// with its output appended to <paramref name="logPath"/>.
    /// </summary>
    public static ClusterProcess Start(
        string name, string dll, IEnumerable<string> args, string logPath, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var commandLine = "dotnet " + string.Join(' ', info.ArgumentList.Select(Quote));
        log.WriteLine($"# {DateTimeOffset.Now:O} start: {commandLine}");

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var result = new ClusterProcess(name, process, logPath, log) { CommandLine = commandLine };
        process.OutputDataReceived += (_, e) => result.Write(e.Data, result._stdoutClosed);
        process.ErrorDataReceived += (_, e) => result.Write(e.Data, result._stderrClosed);
        process.Start();
        result.Id = process.Id;
        lock (Live) Live.Add(result);
        // Nothing is typed into these processes; a closed stdin also keeps Console reads from blocking.
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>kill -9 of the process and its children; returns once it is gone and its output is read.</summary>
    public async Task KillAsync()
    {
        var wasRunning = !_process.HasExited;
        try
        {
            if (wasRunning)
            {
                WasKilled = true;
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        await WaitForExitAsync(TimeSpan.FromSeconds(30));
        if (wasRunning) WriteMarker("killed (SIGKILL)");
        lock (Live) Live.Remove(this);
    }

    /// <summary>
    /// SIGTERM (a graceful stop: a worker leaves the cluster, a coordinator hands its shards over), then waits up to
    /// <paramref name="timeout"/> for the exit; a process still running then is killed (SIGKILL). Returns whether it
    /// exited on its own.
    /// </summary>
    public async Task<bool> TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return true;
        Resume(); // a stopped process cannot handle SIGTERM
        Signal(Signals.Term);
        WriteMarker("sent SIGTERM");
        var exited = await WaitForExitAsync(timeout);
        if (!exited) await KillAsync();
        lock (Live) Live.Remove(this);
        return exited;
    }

    /// <summary>SIGSTOP: the process is frozen (no heartbeat, no timer) until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        if (_process.HasExited || IsPaused) return;
        Signal(Signals.Stop);
        IsPaused = true;
        WriteMarker("paused (SIGSTOP)");
    }

    /// <summary>SIGCONT of a process <see cref="Pause"/> froze.</summary>
    public void Resume()
    {
        if (!IsPaused) return;
        IsPaused = false;
        if (_process.HasExited) return;
        Signal(Signals.Cont);
        WriteMarker("resumed (SIGCONT)");
    }

    /// <summary>Whether the process is frozen by <see cref="Pause"/>.</summary>
    public bool IsPaused { get; private set; }

    private void Signal(int signal)
    {
        if (Signals.Kill(Id, signal) != 0 && !_process.HasExited)
            throw new InvalidOperationException($"kill -{signal} {Id} ({Name}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Linux signal numbers and kill(2).</summary>
    public static class Signals
    {
        public const int Interrupt = 2;
        public const int Term = 15;
        public const int Cont = 18;
        public const int Stop = 19;

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }

    /// <summary>Waits for the process to exit and its output to be read to the end.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Everything the process has written so far.</summary>
    public string ReadLog()
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The last <paramref name="lines"/> lines of the log.</summary>
    public string LogTail(int lines = 40)
    {
        string[] all;
        try
        {
            all = ReadLog().Split('\n');
        }
        catch (IOException e)
        {
            return $"(cannot read {LogPath}: {e.Message})";
        }
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    /// <summary>How many lines of the log contain <paramref name="text"/>.</summary>
    public int CountInLog(string text) => ReadLog().Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>A one-line description: name, pid, state.</summary>
    public string Describe() =>
        $"{Name} (pid {Id}, {(WasKilled ? "killed" : HasExited ? $"exited with {_process.ExitCode}" : "running")}, log {LogPath})";

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        lock (_gate)
        {
            _logClosed = true;
            _log.Dispose();
        }
        _process.Dispose();
    }

    private void Write(string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }
        lock (_gate)
        {
            if (!_logClosed) _log.WriteLine(line);
        }
    }

    private void WriteMarker(string what)
    {
        lock (_gate)
        {
            if (!_logClosed) _log.WriteLine($"# {DateTimeOffset.Now:O} {what}");
        }
    }

    private static string Quote(string arg) => arg.Length > 0 && arg.All(c => !char.IsWhiteSpace(c) && c is not '"' and not '\'') ? arg : $"'{arg}'";
}
