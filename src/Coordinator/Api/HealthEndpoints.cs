using Akka.Actor;
using Akka.Cluster;

namespace Atelier.Coordinator.Api;

/// <summary>
/// <c>/healthz/live</c>: the process answers. <c>/healthz/ready</c>: this node is Up in the cluster,
/// so the sweep region and the broker can serve.
/// </summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz/live", () => Results.Json(new { status = "live" }));
        app.MapGet("/healthz/ready", (ActorSystem system) =>
        {
            var status = Cluster.Get(system).SelfMember.Status;
            return status == MemberStatus.Up
                ? Results.Json(new { status = "ready", member = status.ToString() })
                : Results.Json(new { status = "not ready", member = status.ToString() }, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }
}
