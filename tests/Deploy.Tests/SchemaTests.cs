using Atelier.Deploy.Tests.Support;

namespace Atelier.Deploy.Tests;

/// <summary>Every kustomization renders, and every object it renders is valid for the Kubernetes API.</summary>
public sealed class SchemaTests
{
    public static TheoryData<string> Kustomizations => new(Rendered.All);

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_rendered_object_matches_the_kubernetes_schemas_and_has_no_unknown_fields(string kustomization)
    {
        var rendered = Rendered.Of(kustomization);
        Assert.NotEmpty(rendered.Objects);
        var (code, output) = SchemaValidator.Validate(rendered.Yaml);
        Assert.True(code == 0, $"k8s/{kustomization}:\n{output}");
        Assert.Contains($"validated {rendered.Objects.Count} objects", output);
    }

    [Fact]
    public void The_validator_reports_wrong_types_bad_enums_unknown_fields_and_unknown_kinds()
    {
        const string bad = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: bad
            spec:
              replicas: two
              selector:
                matchLabels: {app: bad}
              template:
                metadata:
                  labels: {app: bad}
                spec:
                  terminationGracePeriodSecond: 30
                  containers:
                    - name: c
                      image: example/c:1.0.0
                      imagePullPolicy: Sometimes
                      livenessProbe:
                        httpGet: {path: /, port: 80, bogus: 1}
            ---
            apiVersion: v1
            kind: Frobnicator
            metadata: {name: x}
            """;
        var (code, output) = SchemaValidator.Validate(bad);
        Assert.Equal(1, code);
        Assert.Contains("/spec/replicas: must be integer", output);
        Assert.Contains("/spec/template/spec/containers/0/imagePullPolicy: must be equal to one of the allowed values", output);
        Assert.Contains("/spec/template/spec/terminationGracePeriodSecond: unknown field", output);
        Assert.Contains("/spec/template/spec/containers/0/livenessProbe/httpGet/bogus: unknown field", output);
        Assert.Contains("no schema for v1 Frobnicator", output);
    }

    [Theory]
    [InlineData("overlays/gpu")]
    [InlineData("overlays/local")]
    public void An_overlay_deploys_the_whole_system(string overlay)
    {
        var kinds = Rendered.Of(overlay).Objects.Select(o => o["kind"].Text).ToHashSet();
        foreach (var kind in new[]
                 {
                     "Namespace", "ServiceAccount", "ConfigMap", "Service", "StatefulSet", "Deployment",
                     "PersistentVolumeClaim", "PodDisruptionBudget", "NetworkPolicy",
                 })
            Assert.Contains(kind, kinds);
        // Everything in one namespace, which the overlay also creates.
        var namespaces = Rendered.Of(overlay).Objects.Where(o => o["kind"].Text != "Namespace").Select(o => o.At("metadata/namespace").Text).Distinct();
        Assert.Equal([Rendered.Of(overlay).OfKind("Namespace").Single().At("metadata/name").Text], namespaces);
    }
}
