using System.Text.RegularExpressions;
using System.Xml.Linq;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Hosting;
using Atelier.Deploy.Tests.Support;
using Atelier.GpuWorker.Hosting;
using Atelier.Shared.Hosting;

namespace Atelier.Deploy.Tests;

/// <summary>
/// What can be checked in the Dockerfiles without a Docker engine: pinned bases, a non-root user,
/// ports, health checks, entry points that exist in the published output, settings that exist.
/// </summary>
public sealed class DockerfileTests
{
    /// <summary>The non-root user every image runs as (the .NET images' "app"), and the pods' runAsUser.</summary>
    public const string ImageUser = "1654";

    public static TheoryData<string> Dockerfiles => new(Directory.GetFiles(Repo.Path("docker"), "*.Dockerfile").Select(Path.GetFileName)!);

    [Fact]
    public void There_is_a_coordinator_a_cuda_worker_and_a_cpu_worker_image()
    {
        Assert.Equal(["coordinator.Dockerfile", "worker-cpu.Dockerfile", "worker-cuda.Dockerfile"],
            Directory.GetFiles(Repo.Path("docker"), "*.Dockerfile").Select(Path.GetFileName).Order());
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Builds_in_stages_from_base_images_pinned_to_exact_versions(string file)
    {
        var dockerfile = Dockerfile.Read(file);
        Assert.True(dockerfile.Stages.Count >= 2, $"{file}: build in one stage, run in another");
        foreach (var stage in dockerfile.Stages.Where(s => !dockerfile.Stages.Any(other => other.Name == s.Image)))
            Assert.True(ManifestTests.IsPinned(stage.Image), $"{file}: base image '{stage.Image}' must be an exact version (or a digest)");
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Runs_as_a_non_root_user_exposes_its_ports_and_checks_its_health(string file)
    {
        var final = Dockerfile.Read(file).Stages[^1];
        Assert.Equal($"{ImageUser}:{ImageUser}", final.Last("USER"));
        Assert.NotNull(final.Last("HEALTHCHECK"));
        var exposed = final.All("EXPOSE").SelectMany(e => e.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        Assert.Contains(ClusterNames.DefaultRemotingPort.ToString(), exposed);
        Assert.Contains("8558", exposed);
        if (file.StartsWith("coordinator")) Assert.Contains(ClusterNames.DefaultApiPort.ToString(), exposed);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_entrypoint_runs_the_assembly_the_image_publishes(string file)
    {
        var dockerfile = Dockerfile.Read(file);
        var entrypoint = dockerfile.Stages[^1].Last("ENTRYPOINT")!;
        var match = Regex.Match(entrypoint, @"^\[""dotnet"", ""([\w.]+)\.dll""\]$");
        Assert.True(match.Success, $"{file}: ENTRYPOINT [\"dotnet\", \"NAME.dll\"] expected, found {entrypoint}");
        var published = Regex.Matches(dockerfile.Text, @"dotnet publish (\S+\.csproj)").Select(m => m.Groups[1].Value).Distinct()
            .Select(p => XDocument.Load(Repo.Path(p.Split('/'))).Descendants("AssemblyName").Single().Value);
        Assert.Contains(match.Groups[1].Value, published);
        // The stage copies everything restore and publish need (Directory.*.props/targets, build/, the projects).
        foreach (var needed in new[] { "global.json", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "build/", "src/Contracts/", "src/Shared/" })
            Assert.Contains(needed, dockerfile.Stages[0].All("COPY").SelectMany(c => c.Split(' ')));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Its_environment_variables_are_settings_with_valid_values(string file)
    {
        var final = Dockerfile.Read(file).Stages[^1];
        var env = final.All("ENV").SelectMany(e => Regex.Matches(e, @"(\w+)=(\S+)").Select(m => (Name: m.Groups[1].Value, Value: m.Groups[2].Value))).ToList();
        IReadOnlyList<Setting> reads = file.StartsWith("coordinator")
            ? CoordinatorSettings.All
            : WorkerSettings.All;
        foreach (var (name, value) in env.Where(e => e.Name.StartsWith("ATELIER_")))
            Assert.True(reads.Any(s => s.EnvironmentVariable == name), $"{file}: {name} is not a setting the process reads");
        if (file.StartsWith("worker"))
            Assert.Equal(file.Contains("cuda") ? "cuda" : "cpu", env.Single(e => e.Name == "ATELIER_DEVICE").Value);
    }

    [Fact]
    public void The_cuda_image_builds_the_worker_with_torchsharp_cuda_and_the_others_do_not()
    {
        Assert.Contains("-p:TorchSharpBackend=cuda", Dockerfile.Read("worker-cuda.Dockerfile").Text);
        Assert.DoesNotContain("TorchSharpBackend", Dockerfile.Read("worker-cpu.Dockerfile").Text);
        var cuda = Dockerfile.Read("worker-cuda.Dockerfile").Stages[^1].Image;
        Assert.Matches(@"^nvidia/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu24\.04(@sha256:[0-9a-f]{64})?$", cuda);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Restores_with_the_upstream_pins_and_leaves_build_outputs_out_of_the_context(string file)
    {
        var dockerfile = Dockerfile.Read(file);
        // Pinned unless the build says otherwise (docker/build-local.sh, where nuget.org is out of reach).
        Assert.Contains("ARG UPSTREAM_PINS=true", dockerfile.Stages[0].All("ARG").Select(a => "ARG " + a));
        Assert.All(Regex.Matches(dockerfile.Text, @"dotnet (restore|publish) (?:[^\n\\&]|\\\n)*"), m => Assert.Contains("-p:AtelierUpstreamPins=${UPSTREAM_PINS}", m.Value));
        var ignore = File.ReadAllLines(Repo.Path("docker", file + ".dockerignore"));
        Assert.Contains("**/bin/", ignore);
        Assert.Contains("**/obj/", ignore);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Carries_pbm_on_the_path_for_hooks_and_kubectl_exec(string file)
    {
        var dockerfile = Dockerfile.Read(file);
        Assert.Matches(@"dotnet publish src/Cli/Cli\.csproj [^\n]*-o /pbm", Regex.Replace(dockerfile.Text, @"\\\r?\n\s*", " "));
        var final = dockerfile.Stages[^1];
        Assert.Contains("--from=build /pbm/ /opt/pbm/", final.All("COPY"));
        Assert.Contains(final.All("RUN"), r => r.Contains("ln -s /opt/pbm/pbm /usr/local/bin/pbm"));
    }

    /// <summary>A Dockerfile's stages and instructions (continuations joined, ARG defaults substituted into FROM).</summary>
    private sealed record Dockerfile(string Text, IReadOnlyList<Stage> Stages)
    {
        public static Dockerfile Read(string file)
        {
            var text = File.ReadAllText(Repo.Path("docker", file));
            var lines = Regex.Replace(text, @"\\\r?\n", " ").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));
            var args = new Dictionary<string, string>();
            var stages = new List<Stage>();
            foreach (var line in lines)
            {
                var space = line.IndexOf(' ');
                var (instruction, rest) = space < 0 ? (line, "") : (line[..space].ToUpperInvariant(), line[(space + 1)..].Trim());
                if (instruction == "ARG" && stages.Count == 0 && rest.Split('=', 2) is [var name, var value]) args[name] = value;
                else if (instruction == "FROM")
                {
                    var parts = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    var image = Regex.Replace(parts[0], @"\$\{(\w+)\}|\$(\w+)", m => args[m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value]);
                    stages.Add(new Stage(image, parts.Length == 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null, []));
                }
                else if (stages.Count > 0) stages[^1].Instructions.Add((instruction, rest));
            }
            return new Dockerfile(text, stages);
        }
    }

    private sealed record Stage(string Image, string? Name, List<(string Instruction, string Arguments)> Instructions)
    {
        public IEnumerable<string> All(string instruction) => Instructions.Where(i => i.Instruction == instruction).Select(i => i.Arguments);

        public string? Last(string instruction) => All(instruction).LastOrDefault();
    }
}
