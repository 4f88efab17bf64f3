using System.Net;
using System.Text.Json;
using Atelier.Contracts.Api;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>Bad requests to the real HTTP API get a 400/404 that names the problem, and change nothing.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class BadInputTests(SharedClusterFixture fixture)
{
    private const string Valid = """
        name: bad-input
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        parameters:
          x: {values: [0.1, 0.2]}

        """;

    public static TheoryData<string, string, string, string> BadSpecs => new()
    {
        // case, spec, the field the error names ("" for YAML that does not parse), a word the message must contain
        { "malformed YAML", Valid.Replace("[0.1, 0.2]}", "[0.1, 0.2"), "", "malformed YAML" },
        { "unknown job", Valid.Replace("job: synthetic", "job: no-such-job"), "job", "no-such-job" },
        { "unknown parameter", Valid + "  zeta: {value: 1}\n", "parameters.zeta", "zeta" },
        { "empty values", Valid.Replace("[0.1, 0.2]", "[]"), "parameters.x.values", "empty" },
        { "negative run_cap", Valid + "run_cap: -3\n", "run_cap", "-3" },
        { "wrong type", Valid.Replace("[0.1, 0.2]", "[0.1, abc]"), "parameters.x.values[1]", "abc" },
    };

    private LocalCluster Cluster => fixture.Cluster;

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(BadSpecs))]
    public Task Invalid_spec_is_refused_with_400_naming_the_field_and_creates_nothing(string @case, string spec, string field, string word) =>
        Cluster.ExplainFailuresAsync(async () =>
        {
            var ct = TestContext.Current.CancellationToken;
            var sweepsBefore = await SweepIds(ct);

            using var response = await Cluster.PostSpecAsync(spec, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{@case}: expected 400, got {(int)response.StatusCode}: {body}");
            var error = JsonSerializer.Deserialize<ApiError>(body, ApiJson.Options)!;
            Assert.NotNull(error.Details);
            var detail = Assert.Single(error.Details, d => d.Field == field);
            Assert.Contains(word, detail.Message, StringComparison.Ordinal);
            Assert.NotNull(detail.Line);
            if (field.Length > 0) Assert.Contains(field, error.Error, StringComparison.Ordinal);

            Assert.Equal(sweepsBefore, await SweepIds(ct));
        });

    [Fact(Timeout = 120_000)]
    public Task Empty_body_is_refused_with_400() => Cluster.ExplainFailuresAsync(async () =>
    {
        var ct = TestContext.Current.CancellationToken;
        var sweepsBefore = await SweepIds(ct);
        using var response = await Cluster.PostSpecAsync("  \n", ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("empty", (await ReadError(response, ct)).Error, StringComparison.Ordinal);
        Assert.Equal(sweepsBefore, await SweepIds(ct));
    });

    [Fact(Timeout = 120_000)]
    public Task Unknown_sweep_id_is_404() => Cluster.ExplainFailuresAsync(async () =>
    {
        var ct = TestContext.Current.CancellationToken;
        using var response = await Cluster.Http.GetAsync("api/sweeps/no-such-sweep-20260101-000000", ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no-such-sweep-20260101-000000", (await ReadError(response, ct)).Error, StringComparison.Ordinal);
        // Asking must not create it either.
        Assert.DoesNotContain("no-such-sweep-20260101-000000", await SweepIds(ct));
    });

    [Theory(Timeout = 120_000)]
    [InlineData("Not_An_Id")]
    [InlineData("-leading-dash")]
    [InlineData("UPPER")]
    public Task Invalid_sweep_id_is_400(string id) => Cluster.ExplainFailuresAsync(async () =>
    {
        var ct = TestContext.Current.CancellationToken;
        using var response = await Cluster.Http.GetAsync($"api/sweeps/{id}", ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not a sweep id", (await ReadError(response, ct)).Error, StringComparison.Ordinal);
    });

    private async Task<List<string>> SweepIds(CancellationToken ct) =>
        (await Cluster.ListSweepsAsync(ct)).Select(s => s.Id).Order().ToList();

    private static async Task<ApiError> ReadError(HttpResponseMessage response, CancellationToken ct) =>
        JsonSerializer.Deserialize<ApiError>(await response.Content.ReadAsStringAsync(ct), ApiJson.Options)!;
}
