using System.Text.Json;
using System.Xml.Linq;
using Atelier.Deploy.Tests.Support;

namespace Atelier.Deploy.Tests;

/// <summary>The package choices the images depend on, checked by MSBuild evaluation (no restore, no download).</summary>
public sealed class PackageTests
{
    [Fact]
    public void The_cuda_backend_property_swaps_libtorch_for_the_cpu_for_torchsharp_cuda_linux()
    {
        Assert.Contains("libtorch-cpu-linux-x64", WorkerPackages());
        Assert.DoesNotContain("TorchSharp-cuda-linux", WorkerPackages());

        var cuda = WorkerPackages("-p:TorchSharpBackend=cuda");
        Assert.Contains("TorchSharp-cuda-linux", cuda);
        Assert.Contains("TorchSharp", cuda);
        Assert.DoesNotContain("libtorch-cpu-linux-x64", cuda);

        // Same TorchSharp for both, so the code compiled against one runs with the other.
        var versions = PackageVersions();
        Assert.Equal(versions["TorchSharp"], versions["TorchSharp-cuda-linux"]);
    }

    [Fact]
    public void The_image_builds_pin_the_versions_akka_management_is_built_against()
    {
        var pinned = PackageVersions("-p:AtelierUpstreamPins=true");
        Assert.DoesNotContain("Ceen.Httpd", PackageVersions().Keys);
        var akka = PackageVersions()["Akka.Management"];
        foreach (var (package, dependency) in new[] { ("akka.http.shim", "Ceen.Httpd"), ("akka.discovery.kubernetesapi", "KubernetesClient") })
        {
            var nuspec = Directory.GetFiles(Path.Combine(NuGetPackages(), package, akka), "*.nuspec").Single();
            var declared = XDocument.Load(nuspec).Descendants().Where(e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == dependency)
                .Select(e => (string)e.Attribute("version")!).Distinct().Single();
            Assert.Equal($"[{declared}]", pinned[dependency]);
        }
    }

    private static IReadOnlyList<string> WorkerPackages(params string[] properties) =>
        Evaluate("src/GpuWorker/GpuWorker.csproj", "PackageReference", properties).Select(i => i.GetProperty("Identity").GetString()!).ToList();

    private static IReadOnlyDictionary<string, string> PackageVersions(params string[] properties) =>
        Evaluate("src/GpuWorker/GpuWorker.csproj", "PackageVersion", properties)
            .ToDictionary(i => i.GetProperty("Identity").GetString()!, i => i.GetProperty("Version").GetString()!);

    private static IEnumerable<JsonElement> Evaluate(string project, string item, string[] properties)
    {
        var (code, output, error) = Repo.Run("dotnet", ["msbuild", Repo.Path(project.Split('/')), $"-getItem:{item}", .. properties], timeout: TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"dotnet msbuild -getItem:{item} failed: {output}{error}");
        return JsonDocument.Parse(output).RootElement.GetProperty("Items").GetProperty(item).EnumerateArray().ToList();
    }

    private static string NuGetPackages() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
