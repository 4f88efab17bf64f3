using Atelier.Testing;

namespace Atelier.Reports.Tests;

/// <summary>One coordinator and one worker with two CPU slots, and one headless Chromium, shared by the report tests.</summary>
public sealed class ReportClusterFixture : IAsyncLifetime
{
    private LocalCluster? _cluster;
    private HeadlessChromium? _browser;

    public LocalCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster did not start");

    public HeadlessChromium Browser => _browser ?? throw new InvalidOperationException("the browser did not start");

    public async ValueTask InitializeAsync()
    {
        _cluster = await LocalCluster.StartAsync(new LocalClusterOptions { Name = "reports", Workers = 1, SlotsPerWorker = 2 });
        _browser = await HeadlessChromium.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}
