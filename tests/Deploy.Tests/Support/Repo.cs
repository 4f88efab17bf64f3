using System.Diagnostics;

namespace Atelier.Deploy.Tests.Support;

/// <summary>Paths in the repository and the external tools the checks run.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Cluster.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cluster.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs a tool to completion; a missing tool fails with what to install.</summary>
    public static (int ExitCode, string Output, string Error) Run(
        string tool, IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null, string? input = null)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Never the test process's own stdin: xunit v3's runner talks to it over stdin and stdout.
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Root,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{tool}' is required by the deployment checks and was not found on PATH ({e.Message}). {Install(tool)}", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (input is not null) process.StandardInput.Write(input);
            process.StandardInput.Close();
            if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{tool} {string.Join(' ', arguments)} did not finish in {timeout ?? TimeSpan.FromMinutes(5)}");
            }
            return (process.ExitCode, output.Result, error.Result);
        }
    }

    /// <summary>Runs a tool to completion and returns its trimmed output; a nonzero exit fails with its error output.</summary>
    public static string Check(string tool, IReadOnlyList<string> arguments, TimeSpan? timeout = null)
    {
        var (code, output, error) = Run(tool, arguments, timeout: timeout);
        if (code != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({code}): {error.Trim()}");
        return output.Trim();
    }

    private static string Install(string tool) => tool switch
    {
        "kubectl" => "Install kubectl 1.27 or newer (it renders k8s/ with 'kubectl kustomize'; no cluster is needed).",
        "node" or "npm" => "Install Node.js 20 or newer with npm (it validates the rendered manifests with k8s/validate).",
        _ => "",
    };
}
