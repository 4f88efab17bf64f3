using Atelier.Contracts.Api;
using Atelier.Coordinator.Api;
using Atelier.Coordinator.Hosting;
using Atelier.Deploy.Tests.Support;
using Atelier.GpuWorker.Hosting;
using Atelier.Shared.Hosting;
using Microsoft.Extensions.Configuration;

namespace Atelier.Deploy.Tests;

/// <summary>
/// The configuration the manifests give each container is made of settings the processes really read
/// (the same names as on a laptop), and the processes accept it: parsed with the processes' own code.
/// </summary>
public sealed class SettingsTests
{
    public static TheoryData<string> Kustomizations => new(Rendered.All);

    public static TheoryData<string> Overlays => new(Rendered.Overlays);

    private static IReadOnlyList<Setting> CoordinatorReads => CoordinatorSettings.All;

    private static IReadOnlyList<Setting> WorkerReads => WorkerSettings.All;

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_variable_an_atelier_container_gets_is_a_setting_that_process_reads(string kustomization)
    {
        var rendered = Rendered.Of(kustomization);
        foreach (var workload in rendered.AtelierWorkloads)
        {
            var reads = (Rendered.Component(workload) == "coordinator" ? CoordinatorReads : WorkerReads)
                .Select(s => s.EnvironmentVariable).ToHashSet();
            foreach (var container in Rendered.Containers(workload).Where(Rendered.IsAtelier))
            foreach (var name in rendered.Environment(container).Keys.Except(Rendered.ReferencedOnly(container)))
                Assert.True(reads.Contains(name),
                    $"k8s/{kustomization} {container["name"]}: {name} is not a setting the {Rendered.Component(workload)} reads (README.md lists them)");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_coordinator_accepts_its_configuration_and_would_start(string kustomization)
    {
        var rendered = Rendered.Of(kustomization);
        var container = Rendered.Containers(rendered.Coordinator).Single(Rendered.IsAtelier);
        var firstPod = rendered.Coordinator.At("metadata/name").Text + "-0";
        var settings = CoordinatorSettings.From(Configuration(rendered.Environment(container, firstPod), CoordinatorReads));

        // Program.cs refuses an API beyond loopback without a token: the manifests must give one.
        Assert.False(BearerTokenAuth.IsLoopback(settings.ApiHost));
        Assert.Null(BearerTokenAuth.CheckExposure(settings.ApiHost, settings.ApiToken));
        Assert.NotEmpty(settings.PostgresConnection);

        var ports = Ports(container);
        Assert.Equal(settings.ApiPort, ports["api"]);
        Assert.Equal(settings.Node.Port, ports["remoting"]);
        AssertSeedNodes(rendered, settings.Node);
        // The first coordinator advertises itself exactly as the first seed node: it alone may form the cluster.
        Assert.Equal(settings.Node.SeedNodes[0], settings.Node.SelfAddress);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_worker_accepts_its_configuration(string kustomization)
    {
        var rendered = Rendered.Of(kustomization);
        var container = Rendered.Containers(rendered.Worker).Single(Rendered.IsAtelier);
        var settings = WorkerSettings.From(Configuration(rendered.Environment(container), WorkerReads));
        Assert.Equal("10.1.2.3", settings.Node.PublicHost);
        var ports = Ports(container);
        Assert.Equal(settings.Node.Port, ports["remoting"]);
        AssertSeedNodes(rendered, settings.Node);
        Assert.DoesNotContain(settings.Node.SelfAddress, settings.Node.SeedNodes);
    }

    /// <summary>
    /// Seed nodes, not cluster bootstrap: every coordinator replica by its stable DNS name (pod.headless-service, the
    /// StatefulSet's own service, which publishes pods before they are ready), in pod order, on the remoting port.
    /// </summary>
    private static void AssertSeedNodes(Rendered rendered, ClusterNodeSettings node)
    {
        Assert.Null(node.Bootstrap);
        var statefulSet = rendered.Coordinator;
        var service = statefulSet.At("spec/serviceName").Text!;
        var headless = rendered.Named("Service", service);
        Assert.Equal("None", headless.At("spec/clusterIP").Text);
        Assert.Equal("true", headless.At("spec/publishNotReadyAddresses").Text);
        var selector = new Node(new Dictionary<object, object> { ["matchLabels"] = headless.At("spec/selector").Value! });
        Assert.True(Rendered.Selects(selector, Rendered.PodLabels(statefulSet)));
        var remoting = headless.At("spec/ports").Items.Single(p => p["name"].Text == "remoting")["port"].Text;
        var replicas = int.Parse(statefulSet.At("spec/replicas").Text!);
        var expected = Enumerable.Range(0, replicas)
            .Select(i => $"{ClusterNodeSettings.ProtocolOf(node.Tls)}://{ClusterNames.ActorSystem}@{statefulSet.At("metadata/name").Text}-{i}.{service}:{remoting}");
        Assert.Equal(expected, node.SeedNodes);
        // The list as written names the protocol the nodes speak (akka.ssl.tcp with TLS), not one they rewrite.
        Assert.All(rendered.OfKind("ConfigMap").Select(m => m["data"]["ATELIER_SEED_NODES"].Text).OfType<string>(),
            list => Assert.All(list.Split(','), seed => Assert.StartsWith(ClusterNodeSettings.ProtocolOf(node.Tls) + "://", seed)));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_token_and_the_database_password_come_only_from_secrets(string kustomization)
    {
        var rendered = Rendered.Of(kustomization);
        var env = rendered.Environment(Rendered.Containers(rendered.Coordinator).Single(Rendered.IsAtelier));
        foreach (var name in new[] { "ATELIER_TOKEN", "ATELIER_POSTGRES" })
            Assert.Equal(EnvSource.Secret, env[name].Source);
        foreach (var map in rendered.OfKind("ConfigMap"))
            Assert.DoesNotContain(map["data"].Entries.Keys, k => k is "ATELIER_TOKEN" or "ATELIER_POSTGRES");
    }

    [Fact]
    public void The_gpu_overlay_commits_no_secret_and_the_guide_says_how_to_create_the_ones_it_needs()
    {
        var gpu = Rendered.Of("overlays/gpu");
        Assert.Empty(gpu.OfKind("Secret"));
        var guide = File.ReadAllText(Repo.Path("docs", "deploy.md"));
        var external = gpu.AtelierWorkloads.SelectMany(Rendered.Containers).SelectMany(c => gpu.Environment(c).Values)
            .Where(v => v.External).Select(v => (v.From, v.Key)).Distinct().ToList();
        Assert.NotEmpty(external);
        foreach (var (secret, key) in external)
            Assert.Matches($@"kubectl[^\n]*create secret generic {secret}([^\n]|\\\n)*?--from-[a-z]+={key}=", guide);
    }

    [Fact]
    public void The_gpu_overlay_turns_on_mutual_tls_with_files_from_a_secret_the_guide_creates()
    {
        var gpu = Rendered.Of("overlays/gpu");
        var guide = File.ReadAllText(Repo.Path("docs", "deploy.md"));
        foreach (var workload in gpu.AtelierWorkloads)
        {
            var container = Rendered.Containers(workload).Single(Rendered.IsAtelier);
            var node = Rendered.Component(workload) == "coordinator"
                ? CoordinatorSettings.From(Configuration(gpu.Environment(container), CoordinatorReads)).Node
                : WorkerSettings.From(Configuration(gpu.Environment(container), WorkerReads)).Node;
            Assert.NotNull(node.Tls);
            foreach (var file in new[] { node.Tls.CertificateFile, node.Tls.KeyFile, node.Tls.AuthorityFile })
            {
                // Each file lies in a read-only mount of a Secret volume, under the key the guide's command creates.
                var mount = container["volumeMounts"].Items.Single(m => file.StartsWith(m["mountPath"].Text + "/", StringComparison.Ordinal));
                Assert.Equal("true", mount["readOnly"].Text?.ToLowerInvariant());
                var volume = Rendered.PodSpec(workload)["volumes"].Items.Single(v => v["name"].Text == mount["name"].Text);
                var secret = volume.At("secret/secretName").Text!;
                Assert.Matches($@"kubectl[^\n]*create secret generic {secret}([^\n]|\\\n)*?--from-file={Path.GetFileName(file)}\b", guide);
            }
        }
        // With TLS on remoting, checkpoints stay on it: the API port has no TLS.
        var coordinator = Rendered.Containers(gpu.Coordinator).Single(Rendered.IsAtelier);
        Assert.False(CoordinatorSettings.From(Configuration(gpu.Environment(coordinator), CoordinatorReads)).UploadsOverHttp);
    }

    [Fact]
    public void The_readme_documents_the_discovery_and_tls_settings()
    {
        var readme = File.ReadAllText(Repo.Path("README.md"));
        foreach (var s in KubernetesDiscovery.Settings.Concat(NodeTlsSettings.Settings))
        {
            Assert.Contains($"`{s.Option}`", readme);
            Assert.Contains($"`{s.EnvironmentVariable}`", readme);
        }
    }

    private static IConfiguration Configuration(IReadOnlyDictionary<string, EnvValue> env, IReadOnlyList<Setting> reads)
    {
        var byVariable = reads.ToDictionary(s => s.EnvironmentVariable);
        return new ConfigurationBuilder()
            .AddInMemoryCollection(env.Where(kv => byVariable.ContainsKey(kv.Key))
                .Select(kv => new KeyValuePair<string, string?>(byVariable[kv.Key].Key, kv.Value.Value)))
            .Build();
    }

    private static IReadOnlyDictionary<string, int> Ports(Node container) =>
        container["ports"].Items.ToDictionary(p => p["name"].Text!, p => int.Parse(p["containerPort"].ToString()));
}
