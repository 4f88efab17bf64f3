using System.Collections.Concurrent;
using System.Text;

namespace Atelier.Deploy.Tests.Support;

/// <summary>One kustomization under k8s/, rendered with <c>kubectl kustomize</c>.</summary>
public sealed class Rendered
{
    private static readonly ConcurrentDictionary<string, Lazy<Rendered>> Cache = new();

    /// <summary>The kustomizations deployed or built upon: the base and both overlays.</summary>
    public static readonly string[] All = ["base", "overlays/gpu", "overlays/local"];

    /// <summary>The overlays a person applies.</summary>
    public static readonly string[] Overlays = ["overlays/gpu", "overlays/local"];

    private Rendered(string name, string yaml)
    {
        Name = name;
        Yaml = yaml;
        Objects = Node.ParseDocuments(yaml);
    }

    public string Name { get; }

    public string Yaml { get; }

    public IReadOnlyList<Node> Objects { get; }

    public static Rendered Of(string kustomization) => Cache.GetOrAdd(kustomization, k => new Lazy<Rendered>(() => Render(k))).Value;

    private static Rendered Render(string kustomization)
    {
        var (code, output, error) = Repo.Run("kubectl", ["kustomize", Repo.Path("k8s", kustomization)]);
        if (code != 0) throw new InvalidOperationException($"kubectl kustomize k8s/{kustomization} failed ({code}): {error}");
        return new Rendered(kustomization, output);
    }

    public IEnumerable<Node> OfKind(string kind) => Objects.Where(o => o["kind"].Text == kind);

    public Node Named(string kind, string name) =>
        OfKind(kind).SingleOrDefault(o => o.At("metadata/name").Text == name)
        ?? throw new InvalidOperationException($"k8s/{Name} renders no {kind} named {name}");

    /// <summary>Deployments and StatefulSets: whatever runs pods.</summary>
    public IEnumerable<Node> Workloads => Objects.Where(o => o["kind"].Text is "Deployment" or "StatefulSet" or "DaemonSet" or "Job" or "CronJob");

    /// <summary>The workloads that run an Atelier process (coordinator or worker image).</summary>
    public IEnumerable<Node> AtelierWorkloads => Workloads.Where(w => Containers(w).Any(IsAtelier));

    public Node Coordinator => AtelierWorkloads.Single(w => Component(w) == "coordinator");

    public Node Worker => AtelierWorkloads.Single(w => Component(w) == "gpu-worker");

    public static string? Component(Node workload) => PodLabels(workload).GetValueOrDefault("app.kubernetes.io/component");

    public static Node PodSpec(Node workload) => workload.At("spec/template/spec");

    public static IReadOnlyDictionary<string, string> PodLabels(Node workload) =>
        workload.At("spec/template/metadata/labels").Entries.ToDictionary(kv => kv.Key, kv => kv.Value.Text ?? "");

    public static IEnumerable<Node> Containers(Node workload) =>
        PodSpec(workload)["containers"].Items.Concat(PodSpec(workload)["initContainers"].Items);

    public static bool IsAtelier(Node container) => container["image"].Text?.Contains("atelier/") == true;

    /// <summary>
    /// The environment a container gets, as the kubelet builds it: envFrom ConfigMaps and Secrets, then
    /// env. The downward API gives <paramref name="podName"/> and <paramref name="podIp"/>; values from Secrets this
    /// render does not contain are stand-ins.
    /// </summary>
    public IReadOnlyDictionary<string, EnvValue> Environment(Node container, string podName = "atelier-pod-0", string podIp = "10.1.2.3")
    {
        var env = new Dictionary<string, EnvValue>();
        foreach (var source in container["envFrom"].Items)
        {
            if (source["configMapRef"].Exists)
                foreach (var (key, value) in Named("ConfigMap", source.At("configMapRef/name").Text!)["data"].Entries)
                    env[key] = new EnvValue(value.Text ?? "", EnvSource.ConfigMap, source.At("configMapRef/name").Text!);
            if (source["secretRef"].Exists)
                foreach (var (key, value) in Named("Secret", source.At("secretRef/name").Text!)["data"].Entries)
                    env[key] = new EnvValue(Decode(value.Text) ?? "", EnvSource.Secret, source.At("secretRef/name").Text!);
        }
        foreach (var item in container["env"].Items)
        {
            var name = item["name"].Text!;
            if (item["value"].Exists) env[name] = new EnvValue(Expand(item["value"].Text ?? "", env), EnvSource.Literal, "");
            else if (item.At("valueFrom/fieldRef").Exists)
                env[name] = new EnvValue(item.At("valueFrom/fieldRef/fieldPath").Text switch
                    {
                        "status.podIP" => podIp,
                        "metadata.name" => podName,
                        _ => "field",
                    }, EnvSource.Field, item.At("valueFrom/fieldRef/fieldPath").Text!);
            else if (item.At("valueFrom/secretKeyRef").Exists)
            {
                var secret = item.At("valueFrom/secretKeyRef/name").Text!;
                var key = item.At("valueFrom/secretKeyRef/key").Text!;
                var rendered = OfKind("Secret").SingleOrDefault(s => s.At("metadata/name").Text == secret);
                var value = rendered is null ? null : Decode(rendered["data"][key].Text);
                env[name] = new EnvValue(value ?? StandIn(name), EnvSource.Secret, secret, External: rendered is null, Key: key);
            }
            else if (item.At("valueFrom/configMapKeyRef").Exists)
            {
                var map = item.At("valueFrom/configMapKeyRef/name").Text!;
                env[name] = new EnvValue(Named("ConfigMap", map)["data"][item.At("valueFrom/configMapKeyRef/key").Text!].Text ?? "", EnvSource.ConfigMap, map);
            }
            else env[name] = new EnvValue("", EnvSource.Other, "");
        }
        return env;
    }

    /// <summary>
    /// Kubernetes' <c>$(NAME)</c> references to variables defined before this one; an unknown reference stays as written,
    /// as Kubernetes leaves it.
    /// </summary>
    private static string Expand(string value, IReadOnlyDictionary<string, EnvValue> defined) =>
        System.Text.RegularExpressions.Regex.Replace(value, @"\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
            m => defined.TryGetValue(m.Groups[1].Value, out var v) ? v.Value : m.Value);

    /// <summary>Variables of the container that only feed other variables' <c>$(NAME)</c> references.</summary>
    public static IEnumerable<string> ReferencedOnly(Node container) =>
        container["env"].Items
            .Select(item => item["name"].Text!)
            .Where(name => container["env"].Items.Any(other => other["value"].Text?.Contains($"$({name})") == true));

    private static string StandIn(string name) => name switch
    {
        "ATELIER_TOKEN" => "stand-in-token-0123456789abcdef",
        "ATELIER_POSTGRES" => "Host=db;Username=atelier;Password=secret;Database=atelier",
        _ => "stand-in",
    };

    private static string? Decode(string? base64) =>
        base64 is null ? null : Encoding.UTF8.GetString(Convert.FromBase64String(base64.Replace("\n", "")));

    /// <summary>Whether a label selector (matchLabels and matchExpressions) selects these labels.</summary>
    public static bool Selects(Node selector, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in selector["matchLabels"].Entries)
            if (labels.GetValueOrDefault(key) != value.Text) return false;
        foreach (var e in selector["matchExpressions"].Items)
        {
            var key = e["key"].Text!;
            var values = e["values"].Items.Select(v => v.Text).ToHashSet();
            var has = labels.TryGetValue(key, out var actual);
            var ok = e["operator"].Text switch
            {
                "In" => has && values.Contains(actual),
                "NotIn" => !has || !values.Contains(actual),
                "Exists" => has,
                "DoesNotExist" => !has,
                var op => throw new InvalidOperationException($"unknown selector operator {op}"),
            };
            if (!ok) return false;
        }
        return true;
    }
}

public enum EnvSource { Literal, ConfigMap, Secret, Field, Other }

/// <summary>One environment variable of a container and where its value comes from.</summary>
public sealed record EnvValue(string Value, EnvSource Source, string From, bool External = false, string Key = "");
