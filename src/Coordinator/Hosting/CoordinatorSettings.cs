using Atelier.Contracts.Api;
using Atelier.Coordinator.Sweeps;
using Atelier.Shared.Hosting;

namespace Atelier.Coordinator.Hosting;

/// <summary>Everything the coordinator process is configured with (options, env vars, appsettings).</summary>
public sealed record CoordinatorSettings(
    string ApiHost,
    int ApiPort,
    ClusterNodeSettings Node,
    string DataDirectory,
    SweepSettings Sweeps,
    string ApiToken,
    string PostgresConnection,
    string ArtifactsDirectory)
{
    /// <summary>The largest input file (an image a spec names) <c>POST /api/inputs</c> accepts.</summary>
    public long MaxInputBytes { get; init; } = DefaultMaxInputBytes;

    /// <summary>When the store's unreferenced files are deleted (<see cref="Artifacts.ArtifactCollector"/>).</summary>
    public Artifacts.ArtifactCollectorSettings ArtifactCollector { get; init; } = new(TimeSpan.FromMinutes(10), TimeSpan.FromHours(1));

    public const long DefaultMaxInputBytes = 50L << 20;

    public static readonly Setting ApiHostSetting = new("Atelier:Api:Host", "--api-host", "ATELIER_API_HOST", "127.0.0.1",
        "address the HTTP API listens on");
    public static readonly Setting ApiPortSetting = new("Atelier:Api:Port", "--api-port", "ATELIER_API_PORT", ClusterNames.DefaultApiPort.ToString(),
        "HTTP API port");
    public static readonly Setting PortSetting = new("Atelier:Cluster:Port", "--port", "ATELIER_PORT", ClusterNames.DefaultRemotingPort.ToString(),
        "remoting port");
    public static readonly Setting DataDirectorySetting = new("Atelier:DataDirectory", "--data-dir", "ATELIER_DATA_DIR", "atelier-data",
        "directory for the SQLite journal (created on first start)");
    public static readonly Setting LeaseTimeoutSetting = new("Atelier:Sweeps:LeaseTimeout", "--lease-timeout", "ATELIER_LEASE_TIMEOUT", "30s",
        "a running trial whose slot is silent this long goes back to the queue");
    public static readonly Setting SnapshotEverySetting = new("Atelier:Sweeps:SnapshotEvery", "--snapshot-every", "ATELIER_SNAPSHOT_EVERY", "500",
        "a sweep saves a snapshot of its state every this many journal events; recovery replays only the events after it");

    public static readonly Setting ApiTokenSetting = new("Atelier:Api:Token", "--token", "ATELIER_TOKEN", "",
        "bearer token every /api request must carry; required when --api-host is not loopback (prefer the env var: options show in ps)");

    public static readonly Setting PostgresSetting = new("Atelier:Persistence:Postgres", "--postgres", "ATELIER_POSTGRES", "",
        "PostgreSQL connection string for the journal and snapshots (default: SQLite under --data-dir)");

    public static readonly Setting ArtifactsSetting = new("Atelier:Artifacts:Directory", "--artifacts-dir", "ATELIER_ARTIFACTS_DIR", "",
        "content-addressed store of checkpoints and pictures (default: DATA-DIR/artifacts; a ReadWriteMany volume on Kubernetes)");

    public static readonly Setting MaxInputSizeSetting = new("Atelier:Artifacts:MaxInputSize", "--max-input-size", "ATELIER_MAX_INPUT_SIZE", "50MiB",
        "largest input file (e.g. an image a sweep spec names) an upload may have: 50MiB, 512KiB, or bytes");

    public static readonly Setting ArtifactGcIntervalSetting = new("Atelier:Artifacts:GcInterval", "--artifact-gc-interval", "ATELIER_ARTIFACT_GC_INTERVAL", "600s",
        "how often the oldest coordinator deletes store files no sweep refers to (dropped checkpoints, unused uploads)");

    public static readonly Setting ArtifactGcGraceSetting = new("Atelier:Artifacts:GcGrace", "--artifact-gc-grace", "ATELIER_ARTIFACT_GC_GRACE", "3600s",
        "an unreferenced store file younger than this is kept (an upload whose sweep is not submitted yet)");

    public static readonly Setting ArtifactTransportSetting = new("Atelier:Artifacts:Transport", "--artifact-transport", "ATELIER_ARTIFACT_TRANSPORT", "",
        $"how workers send checkpoints and pictures: {HttpTransport} (one PUT to the API port at this node's remoting host; over remoting when a worker cannot reach it) "
        + $"or {RemotingTransport} (64 KiB chunks, several times slower); default {HttpTransport}, or {RemotingTransport} with --tls-cert (the API port has no TLS)");

    public const string HttpTransport = "http";
    public const string RemotingTransport = "remoting";

    /// <summary>Workers send upload bytes over HTTP to <see cref="UploadUrls"/> (else as chunks over remoting).</summary>
    public bool UploadsOverHttp { get; init; } = true;

    /// <summary>
    /// Where workers PUT upload bytes, the upload's id appended: this node's remoting host (how workers reach it) and
    /// API port; null when uploads go over remoting only, or the API port is chosen at start (0).
    /// </summary>
    public string? UploadUrls => UploadsOverHttp && ApiPort > 0
        ? new UriBuilder("http", Node.PublicHost, ApiPort, Artifacts.ArtifactIngest.UploadPath).Uri.ToString()
        : null;

    public static readonly IReadOnlyList<Setting> All =
    [
        ApiHostSetting, ApiPortSetting, ApiTokenSetting, ClusterNodeSettings.HostSetting, ClusterNodeSettings.PublicHostSetting, PortSetting,
        ClusterNodeSettings.SeedNodesSetting, DataDirectorySetting, ArtifactsSetting, MaxInputSizeSetting, PostgresSetting, LeaseTimeoutSetting,
        SnapshotEverySetting, ArtifactGcIntervalSetting, ArtifactGcGraceSetting, ArtifactTransportSetting, .. NodeTlsSettings.Settings, .. KubernetesDiscovery.Settings,
    ];

    public static CoordinatorSettings From(IConfiguration configuration)
    {
        var apiPort = configuration.GetInt(ApiPortSetting);
        if (apiPort is < 0 or > 65535) throw new SettingException(ApiPortSetting, apiPort.ToString(), "a port from 0 to 65535");
        var provisional = ClusterNodeSettings.From(configuration, PortSetting, "");
        // A coordinator with no seed nodes given seeds itself: it forms the cluster the workers join.
        var node = provisional.SeedNodes.Count > 0 ? provisional : provisional with { SeedNodes = [provisional.SelfAddress] };
        var dataDirectory = Path.GetFullPath(configuration.Get(DataDirectorySetting));
        var artifacts = configuration.Get(ArtifactsSetting) is { Length: > 0 } a ? Path.GetFullPath(a) : Path.Combine(dataDirectory, "artifacts");
        return new CoordinatorSettings(
            configuration.Get(ApiHostSetting), apiPort, node,
            dataDirectory,
            new SweepSettings
            {
                LeaseTimeout = configuration.GetDuration(LeaseTimeoutSetting),
                SnapshotEvery = configuration.GetPositiveInt(SnapshotEverySetting),
            },
            configuration.Get(ApiTokenSetting),
            configuration.Get(PostgresSetting),
            artifacts)
        {
            MaxInputBytes = configuration.GetSize(MaxInputSizeSetting),
            UploadsOverHttp = configuration.Get(ArtifactTransportSetting) switch
            {
                // With mutual TLS on remoting the bytes stay on it: the API's plain HTTP would carry them in the clear.
                "" => node.Tls is null,
                HttpTransport => true,
                RemotingTransport => false,
                var other => throw new SettingException(ArtifactTransportSetting, other, $"{HttpTransport} or {RemotingTransport}"),
            },
            ArtifactCollector = new Artifacts.ArtifactCollectorSettings(
                configuration.GetDuration(ArtifactGcIntervalSetting), configuration.GetDuration(ArtifactGcGraceSetting)),
        };
    }
}
