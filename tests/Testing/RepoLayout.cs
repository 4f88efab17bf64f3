namespace Atelier.Testing;

/// <summary>
/// Where the repository and the built programs are: the root is the first directory above this assembly
/// that holds <c>Cluster.sln</c>; the configuration (Debug or Release) is the one this assembly was built in,
/// so a Release test run starts Release processes.
/// </summary>
public static class RepoLayout
{
    private const string TargetFramework = "net10.0";

    private static readonly Lazy<string> LazyRoot = new(() => FindRoot(AppContext.BaseDirectory));

    /// <summary>The repository root (the directory of <c>Cluster.sln</c>).</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>Debug or Release: the configuration of the running assembly, from its path (…/bin/CONFIG/net10.0/).</summary>
    public static string Configuration { get; } = ConfigurationOf(AppContext.BaseDirectory);

    /// <summary>The coordinator's dll for <see cref="Configuration"/>.</summary>
    public static string CoordinatorDll => Dll("src/Coordinator", "Atelier.Coordinator.dll");

    /// <summary>The worker's dll for <see cref="Configuration"/>.</summary>
    public static string WorkerDll => Dll("src/GpuWorker", "Atelier.GpuWorker.dll");

    /// <summary><c>pbm</c>'s dll for <see cref="Configuration"/>.</summary>
    public static string PbmDll => Dll("src/Cli", "pbm.dll");

    /// <summary>A file of the repository, e.g. <c>examples/synthetic-grid.yaml</c>.</summary>
    public static string File(string relativePath) => Path.Combine(Root, relativePath);

    /// <summary>The Debug/Release segment of a path under <c>bin/</c>; Debug when there is none.</summary>
    public static string ConfigurationOf(string path)
    {
        var parts = Path.GetFullPath(path).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 2; i >= 0; i--)
            if (parts[i] == "bin")
                return parts[i + 1];
        return "Debug";
    }

    private static string Dll(string project, string name)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, TargetFramework, name);
        if (!System.IO.File.Exists(path))
            throw new FileNotFoundException(
                $"{path} is missing: build it first (dotnet build {project} -c {Configuration}); "
                + "the integration tests' project builds it as a project reference", path);
        return path;
    }

    private static string FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Cluster.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"no Cluster.sln in {start} or any directory above it");
    }
}
