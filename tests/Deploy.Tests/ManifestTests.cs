using System.Text.RegularExpressions;
using Atelier.Deploy.Tests.Support;

namespace Atelier.Deploy.Tests;

/// <summary>What Atelier needs from its manifests, beyond schema validity.</summary>
public sealed class ManifestTests
{
    public static TheoryData<string> Kustomizations => new(Rendered.All);

    public static TheoryData<string> Overlays => new(Rendered.Overlays);

    [Fact]
    public void Gpu_workers_request_a_gpu_tolerate_the_gpu_taint_and_select_gpu_nodes()
    {
        var gpu = Rendered.Of("overlays/gpu");
        var pod = Rendered.PodSpec(gpu.Worker);
        var worker = Rendered.Containers(gpu.Worker).Single(Rendered.IsAtelier);
        Assert.True(int.Parse(worker.At("resources/limits")["nvidia.com/gpu"].ToString()) >= 1, "the GPU worker must set limits nvidia.com/gpu");
        if (worker.At("resources/requests")["nvidia.com/gpu"].Exists)
            Assert.Equal(worker.At("resources/limits")["nvidia.com/gpu"].Text, worker.At("resources/requests")["nvidia.com/gpu"].Text);
        Assert.Contains(pod["tolerations"].Items, t => t["key"].Text == "nvidia.com/gpu" && t["effect"].Text is "NoSchedule" or null);
        Assert.NotEmpty(pod["nodeSelector"].Entries);
        Assert.Contains("atelier/worker-cuda:", worker["image"].Text);
        Assert.Equal("cuda", gpu.Environment(worker)["ATELIER_DEVICE"].Value);
    }

    [Fact]
    public void Local_workers_run_on_the_cpu_without_gpus()
    {
        var local = Rendered.Of("overlays/local");
        var worker = Rendered.Containers(local.Worker).Single(Rendered.IsAtelier);
        Assert.DoesNotContain("nvidia.com/gpu", local.Yaml);
        Assert.Contains("atelier/worker-cpu:", worker["image"].Text);
        Assert.Equal("cpu", local.Environment(worker)["ATELIER_DEVICE"].Value);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_container_has_liveness_and_readiness_probes_on_its_own_ports(string kustomization)
    {
        foreach (var workload in Rendered.Of(kustomization).Workloads)
        foreach (var container in Rendered.PodSpec(workload)["containers"].Items)
        {
            var where = $"k8s/{kustomization} {workload.At("metadata/name")}/{container["name"]}";
            var ports = container["ports"].Items.ToDictionary(p => p["name"].Text ?? "", p => p["containerPort"].Text);
            foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
            {
                if (!container[probe].Exists)
                {
                    Assert.True(probe == "startupProbe", $"{where} has no {probe}");
                    continue;
                }
                var port = container[probe].At("httpGet/port").Text ?? container[probe].At("tcpSocket/port").Text;
                if (port is not null)
                    Assert.True(ports.ContainsKey(port) || ports.ContainsValue(port), $"{where}: {probe} uses port {port}, which the container does not declare");
            }
        }
    }

    [Fact]
    public void Probes_use_the_health_endpoints_the_processes_serve()
    {
        foreach (var overlay in Rendered.Overlays)
        {
            var rendered = Rendered.Of(overlay);
            var coordinator = Rendered.Containers(rendered.Coordinator).Single(Rendered.IsAtelier);
            var worker = Rendered.Containers(rendered.Worker).Single(Rendered.IsAtelier);
            // The coordinator's API serves /healthz/* (HealthEndpoints); a worker serves no HTTP (Akka.Management runs only with
            // --discovery kubernetes) and with TLS a bare connection to remoting is a failed handshake, so its probes test for
            // the file it keeps in its data directory while it is Up (MembershipFile).
            Assert.Equal(("/healthz/ready", "api"), (coordinator.At("readinessProbe/httpGet/path").Text, coordinator.At("readinessProbe/httpGet/port").Text));
            Assert.Equal(("/healthz/live", "api"), (coordinator.At("livenessProbe/httpGet/path").Text, coordinator.At("livenessProbe/httpGet/port").Text));
            var dataDirectory = rendered.Environment(worker)["ATELIER_DATA_DIR"].Value;
            foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
                Assert.Equal(["test", "-f", $"{dataDirectory}/{Atelier.GpuWorker.Hosting.MembershipFile.FileName}"],
                    worker.At($"{probe}/exec/command").Items.Select(i => i.Text));
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Images_are_pinned_to_a_version_never_latest(string kustomization)
    {
        foreach (var workload in Rendered.Of(kustomization).Workloads)
        foreach (var container in Rendered.Containers(workload))
        {
            var image = container["image"].Text!;
            Assert.True(IsPinned(image), $"k8s/{kustomization}: image '{image}' must name an exact version (a tag such as 1.2.3, or @sha256:…), never latest");
        }
    }

    internal static bool IsPinned(string image)
    {
        if (Regex.IsMatch(image, "@sha256:[0-9a-f]{64}$")) return true;
        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        var colon = lastSegment.IndexOf(':');
        if (colon < 0) return false;
        var (repository, tag) = (lastSegment[..colon], lastSegment[(colon + 1)..]);
        if (tag.Contains("latest", StringComparison.OrdinalIgnoreCase)) return false;
        // MAJOR.MINOR.PATCH; PostgreSQL numbers its releases MAJOR.MINOR (17.5), so 17 alone floats.
        return Regex.IsMatch(tag, @"^v?\d+\.\d+\.\d+") || repository == "postgres" && Regex.IsMatch(tag, @"^\d+\.\d+");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_container_requests_cpu_and_memory_and_limits_memory(string kustomization)
    {
        foreach (var workload in Rendered.Of(kustomization).Workloads)
        foreach (var container in Rendered.Containers(workload))
        {
            var where = $"k8s/{kustomization} {workload.At("metadata/name")}/{container["name"]}";
            Assert.True(container.At("resources/requests/cpu").Exists, $"{where} requests no cpu");
            Assert.True(container.At("resources/requests/memory").Exists, $"{where} requests no memory");
            Assert.True(container.At("resources/limits/memory").Exists, $"{where} has no memory limit");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Pods_meet_the_restricted_pod_security_standard_their_namespace_enforces(string kustomization)
    {
        var rendered = Rendered.Of(kustomization);
        Assert.Equal("restricted", rendered.OfKind("Namespace").Single().At("metadata/labels")["pod-security.kubernetes.io/enforce"].Text);
        foreach (var workload in rendered.Workloads)
        {
            var pod = Rendered.PodSpec(workload);
            Assert.Equal("true", pod.At("securityContext/runAsNonRoot").Text?.ToLowerInvariant());
            Assert.Equal("RuntimeDefault", pod.At("securityContext/seccompProfile/type").Text);
            Assert.False(pod["hostNetwork"].Exists || pod["hostPID"].Exists || pod["hostIPC"].Exists);
            Assert.DoesNotContain(pod["volumes"].Items, v => v["hostPath"].Exists);
            foreach (var container in Rendered.Containers(workload))
            {
                var where = $"k8s/{kustomization} {workload.At("metadata/name")}/{container["name"]}";
                Assert.True(container.At("securityContext/allowPrivilegeEscalation").Text?.ToLowerInvariant() == "false", $"{where} may escalate privileges");
                Assert.Contains(container.At("securityContext/capabilities/drop").Items, c => c.Text == "ALL");
                Assert.False(container.At("securityContext/capabilities/add").Exists, $"{where} adds capabilities");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void What_the_processes_write_is_on_a_volume_when_the_root_filesystem_is_read_only(string kustomization)
    {
        var rendered = Rendered.Of(kustomization);
        foreach (var workload in rendered.AtelierWorkloads)
        foreach (var container in Rendered.Containers(workload).Where(Rendered.IsAtelier))
        {
            if (container.At("securityContext/readOnlyRootFilesystem").Text?.ToLowerInvariant() != "true") continue;
            var mounts = container["volumeMounts"].Items.Select(m => m["mountPath"].Text!.TrimEnd('/') + "/").ToList();
            var env = rendered.Environment(container);
            foreach (var name in new[] { "ATELIER_DATA_DIR", "ATELIER_ARTIFACTS_DIR" })
                if (env.TryGetValue(name, out var dir))
                    Assert.True(mounts.Any(m => (dir.Value.TrimEnd('/') + "/").StartsWith(m, StringComparison.Ordinal)),
                        $"k8s/{kustomization} {container["name"]}: {name}={dir.Value} is not on a mounted volume");
            Assert.Contains("/tmp/", mounts);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Coordinators_run_as_a_statefulset_with_a_headless_service_that_publishes_unready_pods(string overlay)
    {
        var rendered = Rendered.Of(overlay);
        var coordinator = rendered.Coordinator;
        Assert.Equal("StatefulSet", coordinator["kind"].Text);
        // One at a time: the first coordinator forms the cluster alone, the others join it.
        Assert.Contains(coordinator.At("spec/podManagementPolicy").Text, new[] { null, "OrderedReady" });
        var headless = rendered.Named("Service", coordinator.At("spec/serviceName").Text!);
        Assert.Equal("None", headless.At("spec/clusterIP").Text);
        Assert.Equal("true", headless.At("spec/publishNotReadyAddresses").Text?.ToLowerInvariant());
        Assert.True(Rendered.Selects(new Node(new Dictionary<object, object> { ["matchLabels"] = headless.At("spec/selector").Value! }), Rendered.PodLabels(coordinator)));

        // The API Service reaches the coordinators' API port, and only them.
        var api = rendered.OfKind("Service").Single(s => s.At("spec/clusterIP").Text != "None" && s.At("spec/ports").Items.Any(p => p["targetPort"].Text == "api"));
        var selector = new Node(new Dictionary<object, object> { ["matchLabels"] = api.At("spec/selector").Value! });
        Assert.True(Rendered.Selects(selector, Rendered.PodLabels(coordinator)));
        Assert.False(Rendered.Selects(selector, Rendered.PodLabels(rendered.Worker)));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Pods_get_no_kubernetes_api_token_and_no_role(string overlay)
    {
        // Seed nodes need nothing from the Kubernetes API: a pod that is taken over gets no credentials with it.
        var rendered = Rendered.Of(overlay);
        foreach (var workload in rendered.AtelierWorkloads)
        {
            var account = Rendered.PodSpec(workload)["serviceAccountName"].Text!;
            var automount = Rendered.PodSpec(workload)["automountServiceAccountToken"].Text
                ?? rendered.Named("ServiceAccount", account)["automountServiceAccountToken"].Text;
            Assert.Equal("false", automount?.ToLowerInvariant());
        }
        Assert.Empty(rendered.OfKind("Role"));
        Assert.Empty(rendered.OfKind("RoleBinding"));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Remoting_and_management_ports_accept_only_cluster_pods(string overlay)
    {
        var rendered = Rendered.Of(overlay);
        var members = rendered.AtelierWorkloads.Select(Rendered.PodLabels).ToList();
        var others = rendered.Workloads.Except(rendered.AtelierWorkloads).Select(Rendered.PodLabels)
            .Append(new Dictionary<string, string> { ["app"] = "anything-else" }).ToList();
        var policies = rendered.OfKind("NetworkPolicy").ToList();
        foreach (var pod in members)
        {
            var selecting = policies.Where(p => Rendered.Selects(p.At("spec/podSelector"), pod)).ToList();
            Assert.Contains(selecting, p => p.At("spec/policyTypes").Items.Any(t => t.Text == "Ingress"));
            foreach (var rule in selecting.SelectMany(p => p.At("spec/ingress").Items))
            {
                var ports = rule["ports"].Items.Select(p => p["port"].Text).ToList();
                if (ports.Count > 0 && !ports.Contains("4053") && !ports.Contains("8558") && !ports.Contains("remoting") && !ports.Contains("management"))
                    continue;
                // A rule that opens remoting or management: only pod selectors in this namespace, selecting only cluster members.
                var from = rule["from"].Items;
                Assert.NotEmpty(from);
                foreach (var peer in from)
                {
                    Assert.False(peer["ipBlock"].Exists || peer["namespaceSelector"].Exists, $"k8s/{overlay}: remoting is opened beyond this namespace's pods");
                    Assert.All(members, m => Assert.True(Rendered.Selects(peer["podSelector"], m)));
                    Assert.All(others, o => Assert.False(Rendered.Selects(peer["podSelector"], o), $"k8s/{overlay}: remoting is open to pods labelled {string.Join(',', o)}"));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Disruption_budgets_cover_coordinators_and_workers_and_stopping_leaves_time_to_hand_off(string overlay)
    {
        var rendered = Rendered.Of(overlay);
        foreach (var workload in rendered.AtelierWorkloads)
        {
            var labels = Rendered.PodLabels(workload);
            var budget = rendered.OfKind("PodDisruptionBudget").SingleOrDefault(p => Rendered.Selects(p.At("spec/selector"), labels));
            Assert.NotNull(budget);
            Assert.Equal("1", budget.At("spec/maxUnavailable").Text);
            // The generic host gives coordinated shutdown 30 s; the kubelet must wait longer before SIGKILL.
            Assert.True(int.Parse(Rendered.PodSpec(workload)["terminationGracePeriodSeconds"].ToString()) >= 45,
                $"k8s/{overlay} {workload.At("metadata/name")}: terminationGracePeriodSeconds below 45 cuts coordinated shutdown short");
        }
    }

    [Fact]
    public void The_artifact_store_is_a_read_write_many_volume_mounted_by_every_coordinator()
    {
        foreach (var kustomization in new[] { "base", "overlays/gpu" })
        {
            var rendered = Rendered.Of(kustomization);
            var coordinator = rendered.Coordinator;
            var volume = Rendered.PodSpec(coordinator)["volumes"].Items.Single(v => v["persistentVolumeClaim"].Exists);
            var claim = rendered.Named("PersistentVolumeClaim", volume.At("persistentVolumeClaim/claimName").Text!);
            Assert.Equal(["ReadWriteMany"], claim.At("spec/accessModes").Items.Select(m => m.Text));
            var container = Rendered.Containers(coordinator).Single(Rendered.IsAtelier);
            var mount = container["volumeMounts"].Items.Single(m => m["name"].Text == volume["name"].Text);
            Assert.Equal(rendered.Environment(container)["ATELIER_ARTIFACTS_DIR"].Value, mount["mountPath"].Text);
        }
        // One coordinator on a laptop cluster: ReadWriteOnce is enough, and all local provisioners offer.
        Assert.Equal("1", Rendered.Of("overlays/local").Coordinator.At("spec/replicas").Text);
    }

    [Fact]
    public void Several_coordinators_on_gpu_clusters_so_one_can_go()
    {
        Assert.True(int.Parse(Rendered.Of("overlays/gpu").Coordinator.At("spec/replicas").ToString()) >= 3);
    }

    [Fact]
    public void Atelier_image_names_are_the_images_docker_builds()
    {
        foreach (var kustomization in Rendered.All)
        foreach (var container in Rendered.Of(kustomization).AtelierWorkloads.SelectMany(Rendered.Containers).Where(Rendered.IsAtelier))
        {
            var image = container["image"].Text!;
            var name = image[(image.LastIndexOf('/') + 1)..].Split(':', '@')[0];
            Assert.True(File.Exists(Repo.Path("docker", name + ".Dockerfile")), $"k8s/{kustomization}: no docker/{name}.Dockerfile builds {image}");
        }
    }

    [Fact]
    public void Pods_run_as_the_user_the_images_declare()
    {
        foreach (var kustomization in Rendered.All)
        foreach (var workload in Rendered.Of(kustomization).AtelierWorkloads)
            Assert.Equal(DockerfileTests.ImageUser, Rendered.PodSpec(workload).At("securityContext/runAsUser").Text);
    }
}
