using System.Globalization;

namespace Atelier.Testing;

/// <summary>
/// Node processes a test starts one by one (outside a <see cref="LocalCluster"/>), with a temporary directory for
/// their logs and data; disposing stops them all and deletes the directory.
/// </summary>
public sealed class NodeProcesses(string prefix) : IAsyncDisposable
{
    private readonly List<ClusterProcess> _processes = [];

    /// <summary>The temporary directory: the working directory of every process, with NAME.log and NAME/ for each.</summary>
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="args"/></c> as <paramref name="name"/>, logging to NAME.log.</summary>
    public ClusterProcess Start(string name, string dll, IEnumerable<string> args)
    {
        var process = ClusterProcess.Start(name, dll, args, Path.Combine(Directory, name + ".log"), Directory);
        _processes.Add(process);
        return process;
    }

    /// <summary>A worker with one CPU slot, a free remoting port and its data in NAME/, joining <paramref name="seeds"/>.</summary>
    public ClusterProcess StartWorker(string name, string seeds, IEnumerable<string>? extra = null) =>
        Start(name, RepoLayout.WorkerDll,
            ["--seed-nodes", seeds, "--port", FreePorts.Next().ToString(CultureInfo.InvariantCulture), "--cpu-slots", "1", "--device", "cpu",
             "--data-dir", Path.Combine(Directory, name), .. extra ?? []]);

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
