using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>One coordinator and two workers (2 CPU slots each) shared by the tests that do not break it for good.</summary>
public sealed class SharedClusterFixture : IAsyncLifetime
{
    public static readonly LocalClusterOptions Options = new()
    {
        Name = "shared",
        Workers = 2,
        SlotsPerWorker = 2,
        LeaseTimeout = TimeSpan.FromSeconds(5),
        CoordinatorLostTimeout = TimeSpan.FromSeconds(5),
    };

    private LocalCluster? _cluster;

    public LocalCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster did not start");

    public async ValueTask InitializeAsync() => _cluster = await LocalCluster.StartAsync(Options);

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedClusterFixture>
{
    public const string Name = "shared cluster";
}
