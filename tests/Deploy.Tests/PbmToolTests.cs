using System.Xml.Linq;
using Atelier.Deploy.Tests.Support;

namespace Atelier.Deploy.Tests;

/// <summary>
/// pbm as a .NET tool, as the README installs it: the package <c>dotnet pack</c> makes from the build (no second build),
/// installed into a tool path of its own; the installed <c>pbm</c> prints the project's version and its completion.
/// </summary>
public sealed class PbmToolTests
{
    [Fact]
    public void The_packed_tool_installs_and_runs_as_pbm_with_the_projects_version()
    {
        var work = Directory.CreateTempSubdirectory("atelier-pbm-tool-").FullName;
        try
        {
            var packages = Path.Combine(work, "packages");
            var tools = Path.Combine(work, "tools");
            var pack = Repo.Run("dotnet", ["pack", Repo.Path("src", "Cli", "Cli.csproj"), "-c", "Release", "--no-build", "-o", packages]);
            Assert.True(pack.ExitCode == 0, pack.Output + pack.Error);
            var version = XDocument.Load(Repo.Path("Directory.Build.props")).Descendants("Version").Single().Value;
            Assert.True(File.Exists(Path.Combine(packages, $"Atelier.Pbm.{version}.nupkg")), string.Join(", ", Directory.GetFiles(packages)));

            var install = Repo.Run("dotnet", ["tool", "install", "Atelier.Pbm", "--tool-path", tools, "--add-source", packages, "--version", version]);
            Assert.True(install.ExitCode == 0, install.Output + install.Error);
            var pbm = Path.Combine(tools, "pbm");
            Assert.Equal($"pbm {version}", Repo.Run(pbm, ["--version"]).Output.Trim());
            var completion = Repo.Run(pbm, ["completion", "bash"]);
            Assert.Equal(0, completion.ExitCode);
            Assert.Contains("complete -o filenames -F _pbm pbm", completion.Output);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
