using System.Net;
using System.Text.Json;
using Akka.Actor;
using Atelier.Coordinator.Api;
using Atelier.Coordinator.Artifacts;
using Atelier.Coordinator.Reports;
using Atelier.Coordinator.Reports.Pictures;
using Atelier.Coordinator.Tests.Reports;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Atelier.Coordinator.Tests.Api;

/// <summary>
/// <c>GET /api/sweeps/{id}/report.html|json[?views=N]</c> in a real Kestrel server on a loopback port, against a
/// stand-in sweep region that answers with one finished cifar sweep (best trial 2; trials 0 and 2 have layer views).
/// </summary>
public sealed class ReportEndpointTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("atelier-report-api-").FullName;
    private readonly SweepDto _sweep = ReportSamples.Sweep(LayerViewModelTests.CifarYaml, LayerViewModelTests.CifarTrials(0, 2), best: 2);
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private ActorSystem _system = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string ReportsDirectory => Path.Combine(_root, "reports");

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _system = ActorSystem.Create("report-endpoint-tests");
        var region = new Region(_system.ActorOf(Props.Create(() => new OneSweep(_sweep)), "sweeps"));
        var sweeps = new SweepService(_system, region);
        var renderer = new ReportRenderer(new ThumbnailCache(new ArtifactStore(Path.Combine(_root, "artifacts")), Path.Combine(_root, "thumbs")));
        builder.Services.AddSingleton(new ReportService(sweeps, renderer, ReportsDirectory));
        _app = builder.Build();
        _app.UseJsonErrors();
        _app.MapReportEndpoints();
        await _app.StartAsync(Ct);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _system.Terminate();
        Directory.Delete(_root, recursive: true);
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    private async Task<(int Trial, bool Requested)> ViewsAsync(string query)
    {
        var (status, body) = await GetAsync($"api/sweeps/{_sweep.Id}/report.json{query}");
        Assert.True(status == HttpStatusCode.OK, body);
        using var document = JsonDocument.Parse(body);
        var views = document.RootElement.GetProperty("views");
        return (views.GetProperty("trial").GetInt32(), views.GetProperty("requested").GetBoolean());
    }

    [Fact]
    public async Task Views_shows_the_requested_trial_and_leaves_the_default_report_and_its_copy_on_disk_alone()
    {
        Assert.Equal((2, false), await ViewsAsync(""));
        Assert.Equal((0, true), await ViewsAsync("?views=0"));
        // The final report is cached and written to disk once: a views request must neither replace nor be it.
        Assert.Equal((2, false), await ViewsAsync(""));
        var (status, html) = await GetAsync($"api/sweeps/{_sweep.Id}/report.html?views=0");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Trial #0, as requested", html);
        var saved = await File.ReadAllTextAsync(Path.Combine(ReportsDirectory, _sweep.Id, "report.html"), Ct);
        Assert.Contains("The best trial, #2", saved);
        Assert.DoesNotContain("as requested", saved);
        Assert.Contains("The best trial, #2", (await GetAsync($"api/sweeps/{_sweep.Id}/report.html")).Body);
    }

    [Theory]
    [InlineData("abc", HttpStatusCode.BadRequest, "views 'abc' is not a trial number: give ?views=N")]
    [InlineData("-1", HttpStatusCode.BadRequest, "views '-1' is not a trial number")]
    [InlineData("", HttpStatusCode.BadRequest, "views '' is not a trial number")]
    [InlineData("7", HttpStatusCode.NotFound, "has no trial 7: its trials are 0 to 2")]
    public async Task A_bad_or_unknown_trial_is_refused_naming_the_problem(string views, HttpStatusCode expected, string message)
    {
        foreach (var file in new[] { "report.html", "report.json" })
        {
            var (status, body) = await GetAsync($"api/sweeps/{_sweep.Id}/{file}?views={Uri.EscapeDataString(views)}");
            Assert.True(status == expected, $"{file}: {status}: {body}");
            Assert.Contains(message, JsonSerializer.Deserialize<ApiError>(body, ApiJson.Options)!.Error);
        }
    }

    [Fact]
    public async Task An_unknown_sweep_is_still_404()
    {
        var (status, body) = await GetAsync("api/sweeps/nope-20260101-000000/report.json?views=0");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("no sweep with id 'nope-20260101-000000'", body);
    }

    /// <summary>The sweep region, as far as the report needs it: one sweep, with or without history.</summary>
    private sealed class OneSweep : ReceiveActor
    {
        public OneSweep(SweepDto sweep) => Receive<SweepQueries.GetSweep>(q => Sender.Tell(q.SweepId.Value == sweep.Id
            ? new SweepQueries.SweepDetails(sweep)
            : new SweepQueries.SweepNotFound(q.SweepId)));
    }

    private sealed class Region(IActorRef actor) : Akka.Hosting.IRequiredActor<Atelier.Coordinator.Hosting.SweepRegion>
    {
        public IActorRef ActorRef => actor;

        public Task<IActorRef> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(actor);
    }
}
