using System.Reflection;
using System.Xml.Linq;
using Atelier.Testing;

namespace Atelier.Cli.Tests;

/// <summary>
/// pbm is a client: it builds on the API contracts alone (Atelier.Contracts), never on the cluster's assemblies
/// (Akka, remoting, discovery, the Kubernetes client), so that what it ships stays small.
/// </summary>
public sealed class DependencyTests
{
    [Fact]
    public void Pbm_references_the_contracts_project_and_no_package()
    {
        Assert.Equal(["../Contracts/Contracts.csproj"], References("src/Cli/Cli.csproj", "ProjectReference"));
        Assert.Empty(References("src/Cli/Cli.csproj", "PackageReference"));
        Assert.Empty(References("src/Contracts/Contracts.csproj", "ProjectReference"));
        Assert.Equal(["YamlDotNet"], References("src/Contracts/Contracts.csproj", "PackageReference"));
    }

    [Fact]
    public void No_assembly_pbm_loads_is_part_of_the_cluster()
    {
        var seen = new HashSet<string>();
        var pending = new Stack<AssemblyName>([typeof(Pbm).Assembly.GetName()]);
        while (pending.TryPop(out var name))
        {
            if (!seen.Add(name.Name!) || name.Name!.StartsWith("System.") || name.Name is "System" or "netstandard" or "mscorlib") continue;
            Assert.False(name.Name.StartsWith("Akka") || name.Name.StartsWith("Atelier.Shared") || name.Name.StartsWith("KubernetesClient"),
                $"pbm reaches {name.Name}; it may use Atelier.Contracts and the framework only");
            foreach (var reference in Assembly.Load(name).GetReferencedAssemblies()) pending.Push(reference);
        }
        Assert.Contains("Atelier.Contracts", seen);
    }

    private static List<string> References(string project, string element) =>
        XDocument.Load(RepoLayout.File(project)).Descendants(element)
            .Select(e => e.Attribute("Include")!.Value.Replace('\\', '/')).ToList();
}
