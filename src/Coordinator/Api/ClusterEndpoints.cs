using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Atelier.Coordinator.Work;
using Atelier.Contracts.Api;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Api;

/// <summary>
/// <c>GET /api/cluster</c>, <c>POST /api/cluster/leave</c> and <c>/down</c> (body <c>{address}</c>);
/// <c>GET /api/workers</c> and <c>POST /api/workers/drain</c>.
/// </summary>
public static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cluster", (ActorSystem system) => Results.Json(Describe(Cluster.Get(system)), ApiJson.Options));
        app.MapPost("/api/cluster/leave", (AddressRequest? body, ActorSystem system) =>
            Act(body, system, (cluster, address) => cluster.Leave(address), "is leaving the cluster"));
        app.MapPost("/api/cluster/down", (AddressRequest? body, ActorSystem system) =>
            Act(body, system, (cluster, address) => cluster.Down(address), "was marked down"));
        app.MapGet("/api/workers", async (IRequiredActor<WorkBroker> broker, CancellationToken ct) =>
            Results.Json((await broker.ActorRef.Ask<WorkersReply>(new GetWorkers(), SweepService.AskTimeout, ct)).Workers, ApiJson.Options));
        app.MapPost("/api/workers/drain", async (AddressRequest? body, IRequiredActor<WorkBroker> broker, CancellationToken ct) =>
        {
            if (body is not { Address.Length: > 0 })
                return SweepEndpoints.Error(StatusCodes.Status400BadRequest, "send {\"address\": \"akka.tcp://atelier@HOST:PORT\"} (see `pbm worker list`)");
            var reply = await broker.ActorRef.Ask<DrainNodeReply>(new DrainNode(body.Address), SweepService.AskTimeout, ct);
            return reply.Slots == 0
                ? SweepEndpoints.Error(StatusCodes.Status404NotFound, $"no worker with address '{body.Address}' has reported its slots (see `pbm worker list`)")
                : Results.Json(new DrainDto(reply.Node, reply.Slots, $"{reply.Slots} slots of {reply.Node} finish their trials and take no more"), ApiJson.Options);
        });
        return app;
    }

    public static ClusterDto Describe(Cluster cluster)
    {
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members
            .Select(m => new MemberDto(m.Address.ToString(), m.Roles.OrderBy(r => r).ToList(), m.Status.ToString(), !unreachable.Contains(m.Address)))
            .ToList();
        return new ClusterDto(cluster.SelfAddress.ToString(), state.Leader?.ToString(), members);
    }

    private static IResult Act(AddressRequest? body, ActorSystem system, Action<Cluster, Address> action, string done)
    {
        if (body is not { Address.Length: > 0 })
            return SweepEndpoints.Error(StatusCodes.Status400BadRequest, "send {\"address\": \"akka.tcp://atelier@HOST:PORT\"} (see `pbm cluster show`)");
        Address address;
        try
        {
            address = Address.Parse(body.Address);
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
            return SweepEndpoints.Error(StatusCodes.Status400BadRequest, $"'{body.Address}' is not a node address: expected akka.tcp://atelier@HOST:PORT (see `pbm cluster show`)");
        }
        var cluster = Cluster.Get(system);
        if (cluster.State.Members.All(m => m.Address != address))
            return SweepEndpoints.Error(StatusCodes.Status404NotFound, $"{address} is not a member of this cluster (see `pbm cluster show`)");
        action(cluster, address);
        return Results.Json(new ClusterActionDto(address.ToString(), $"{address} {done}"), ApiJson.Options);
    }
}
