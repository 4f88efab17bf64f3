using Atelier.Contracts.Api;

namespace Atelier.Coordinator.Api;

/// <summary>Turns exceptions into JSON errors that say what happened, never a stack trace.</summary>
public static class ErrorHandling
{
    public static IApplicationBuilder UseJsonErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (e is Akka.Actor.AskTimeoutException or TaskCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            await Write(context, StatusCodes.Status503ServiceUnavailable,
                $"the cluster did not answer within {SweepService.AskTimeout.TotalSeconds:0} s: it may still be forming; retry shortly");
        }
        catch (BadHttpRequestException e)
        {
            await Write(context, e.StatusCode, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && !context.RequestAborted.IsCancellationRequested
            && !context.Response.HasStarted)
        {
            // The coordinator's own disk (a full or failing disk, a store directory gone): not the request's fault.
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ErrorHandling))
                .LogError(e, "{Method} {Path}: the coordinator could not read or write its files", context.Request.Method, context.Request.Path);
            await Write(context, StatusCodes.Status500InternalServerError, $"the coordinator could not read or write its files: {e.Message}");
        }
    });

    private static Task Write(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ApiError(message), ApiJson.Options);
    }
}
