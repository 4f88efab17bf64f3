using Atelier.Coordinator.Api;
using Atelier.Coordinator.Artifacts;
using Atelier.Coordinator.Hosting;
using Atelier.Coordinator.Reports;
using Atelier.Shared.Hosting;
using Prometheus;

if (SettingArguments.Screen("coordinator", CoordinatorSettings.All, args) is { } screened)
    return screened.Print();

var builder = WebApplication.CreateSlimBuilder(args);
builder.Configuration.AddAtelierSettings(CoordinatorSettings.All, args);
CoordinatorSettings settings;
try
{
    settings = CoordinatorSettings.From(builder.Configuration);
    // The SQLite journal (without PostgreSQL) lives in the data directory; uploads land in the artifacts directory.
    WritableDirectory.Require(CoordinatorSettings.DataDirectorySetting, settings.DataDirectory);
    WritableDirectory.Require(CoordinatorSettings.ArtifactsSetting, settings.ArtifactsDirectory);
}
catch (SettingException e)
{
    Console.Error.WriteLine($"coordinator: {e.Message}");
    return 2;
}

try
{
    settings = settings with { Node = settings.Node.WithTlsLoaded() };
}
catch (NodeTlsException e)
{
    Console.Error.WriteLine($"coordinator: {e.Message}");
    return NodeTlsMaterial.ExitCode;
}

if (BearerTokenAuth.CheckExposure(settings.ApiHost, settings.ApiToken) is { } refusal)
{
    Console.Error.WriteLine($"coordinator: {refusal}");
    return 2;
}

builder.WebHost.UseUrls($"http://{settings.ApiHost}:{settings.ApiPort}");
// ASP.NET's per-request lines would log each upload URL, whose id is the capability to send that upload's bytes, and
// bury the cluster's own lines under four per probe and API call.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Services.AddLargeKestrelBlocks();
builder.Services.AddCoordinatorAkka(settings);
builder.Services.AddSingleton<SweepService>();
builder.Services.AddReports(settings);
builder.Services.AddArtifactApi(settings);
builder.Services.AddArtifactCollector(settings);

var app = builder.Build();
app.UseJsonErrors();
app.UseBearerToken(settings.ApiToken);
app.MapHealthEndpoints();
app.MapSweepEndpoints();
app.MapSweepEventStream();
app.MapSweepLogEndpoints();
app.MapReportEndpoints();
app.MapArtifactEndpoints();
app.MapUploadBytesEndpoint();
app.MapClusterEndpoints();
app.MapMetrics("/metrics");
try
{
    await app.RunAsync();
    if (NodeExit.Describe() is not { } stopped) return 0;
    Console.Error.WriteLine($"coordinator: {stopped}");
    return NodeExit.Reason!.ExitCode;
}
catch (Exception e)
{
    // Typically the API or remoting port is taken: one line, not a stack trace.
    Console.Error.WriteLine($"coordinator: cannot start: {StartupFailure.Describe(e)} (API {settings.ApiHost}:{settings.ApiPort}, remoting {settings.Node.Host}:{settings.Node.Port}; choose others with --api-port / --port)");
    return 1;
}
