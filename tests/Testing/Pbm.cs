using System.Diagnostics;
using System.Text;

namespace Atelier.Testing;

/// <summary>What one run of <c>pbm</c> did.</summary>
public sealed record PbmResult(int ExitCode, string Stdout, string Stderr, string CommandLine)
{
    public override string ToString() => $"{CommandLine}\nexit code {ExitCode}\n--- stdout:\n{Stdout}\n--- stderr:\n{Stderr}";
}

/// <summary>Runs the built <c>pbm</c> as a real process, as a person would.</summary>
public static class Pbm
{
    /// <summary>
    /// Runs <c>dotnet pbm.dll ARGS</c> in <paramref name="workingDirectory"/>, with <paramref name="environment"/> added
    /// to this process's; kill -9 after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<PbmResult> RunAsync(
        IReadOnlyList<string> args, TimeSpan timeout, string workingDirectory, CancellationToken cancellationToken = default,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(RepoLayout.PbmDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["NO_COLOR"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment.Remove("ATELIER_SERVER");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        var commandLine = "pbm " + string.Join(' ', args);

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start pbm");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException(
                $"{commandLine} did not finish within {timeout.TotalSeconds:0} s\n--- stdout:\n{await stdout}\n--- stderr:\n{await stderr}");
        }
        return new PbmResult(process.ExitCode, await stdout, await stderr, commandLine);
    }
}
