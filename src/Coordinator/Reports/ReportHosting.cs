using Atelier.Coordinator.Artifacts;
using Atelier.Coordinator.Hosting;
using Atelier.Coordinator.Reports.Pictures;

namespace Atelier.Coordinator.Reports;

/// <summary>Registers the report renderer (thumbnails under ARTIFACTS-DIR/thumbnails) and service (final reports under DATA-DIR/reports).</summary>
public static class ReportHosting
{
    public static IServiceCollection AddReports(this IServiceCollection services, CoordinatorSettings settings)
    {
        services.AddSingleton<IPictureSource>(_ => new ThumbnailCache(
            new ArtifactStore(settings.ArtifactsDirectory), Path.Combine(settings.ArtifactsDirectory, "thumbnails")));
        services.AddSingleton(sp => new ReportRenderer(sp.GetRequiredService<IPictureSource>()));
        services.AddSingleton(sp => new ReportService(sp.GetRequiredService<Api.SweepService>(), sp.GetRequiredService<ReportRenderer>(),
            Path.Combine(settings.DataDirectory, "reports")));
        services.AddHostedService<ThumbnailWarmer>();
        return services;
    }
}
