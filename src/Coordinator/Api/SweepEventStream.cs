using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Hosting;
using Atelier.Coordinator.Hosting;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;

namespace Atelier.Coordinator.Api;

/// <summary>
/// <c>GET /api/sweeps/{id}/events</c>: server-sent events, one <c>sweep</c> event with the whole
/// sweep (trials without history) whenever it changes, throttled by the sweep entity, ending after
/// the sweep has finished. Comments keep idle connections alive. A client that loses the stream
/// (e.g. the coordinator restarted) reconnects and gets the current state first.
/// </summary>
public static class SweepEventStream
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapSweepEventStream(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sweeps/{id}/events", StreamAsync);
        return app;
    }

    private static async Task StreamAsync(string id, HttpContext http, ActorSystem system, IRequiredActor<SweepRegion> region)
    {
        var ct = http.RequestAborted;
        if (!SweepId.IsValid(id))
        {
            await WriteError(http, StatusCodes.Status400BadRequest, SweepId.Invalid(id));
            return;
        }
        var sweepId = new SweepId(id);
        // Only the newest state matters: a slow reader skips intermediate updates.
        var channel = Channel.CreateBounded<object>(new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.DropOldest });
        var watcher = system.ActorOf(Props.Create(() => new Watcher(channel.Writer)));
        try
        {
            region.ActorRef.Tell(new SweepQueries.Subscribe(sweepId, watcher));
            using var firstTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            firstTimeout.CancelAfter(SweepService.AskTimeout);
            object first;
            try
            {
                first = await channel.Reader.ReadAsync(firstTimeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                await WriteError(http, StatusCodes.Status503ServiceUnavailable,
                    $"the cluster did not answer within {SweepService.AskTimeout.TotalSeconds:0} s: it may still be forming; retry shortly");
                return;
            }
            if (first is SweepQueries.SweepNotFound)
            {
                await WriteError(http, StatusCodes.Status404NotFound, $"no sweep with id '{id}' (see `pbm sweep list`)");
                return;
            }

            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            var message = first;
            while (true)
            {
                if (message is SweepQueries.SweepUpdate update)
                {
                    await http.Response.WriteAsync($"event: sweep\ndata: {JsonSerializer.Serialize(update.Sweep, ApiJson.Options)}\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                    if (update.Sweep.Status != SweepStatus.Running) return;
                }
                message = await NextOrKeepAlive(channel.Reader, http, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            region.ActorRef.Tell(new SweepQueries.Unsubscribe(sweepId, watcher));
            system.Stop(watcher);
        }
    }

    private static async Task<object> NextOrKeepAlive(ChannelReader<object> reader, HttpContext http, CancellationToken ct)
    {
        while (true)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(KeepAlive);
            try
            {
                return await reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                await http.Response.WriteAsync(": keep-alive\n\n", ct);
                await http.Response.Body.FlushAsync(ct);
            }
        }
    }

    private static Task WriteError(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new ApiError(message), ApiJson.Options);
    }

    /// <summary>Hands what the sweep pushes to the HTTP request's loop.</summary>
    private sealed class Watcher : ReceiveActor
    {
        public Watcher(ChannelWriter<object> writer) => ReceiveAny(m => writer.TryWrite(m));
    }
}
