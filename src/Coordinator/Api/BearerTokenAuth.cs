using System.Net;
using System.Security.Cryptography;
using System.Text;
using Atelier.Contracts.Api;

namespace Atelier.Coordinator.Api;

/// <summary>
/// With a token configured, every <c>/api</c> request must carry <c>Authorization: Bearer TOKEN</c>
/// (compared in constant time); health probes stay open. Without a token the API may only listen
/// on loopback: <see cref="CheckExposure"/> refuses anything else.
/// </summary>
public static class BearerTokenAuth
{
    /// <summary>Shortest token accepted: long enough not to be guessed.</summary>
    public const int MinimumLength = 16;

    /// <summary>Null when the API may start like this, else why not.</summary>
    public static string? CheckExposure(string apiHost, string token)
    {
        if (token.Length > 0 && token.Length < MinimumLength)
            return $"ATELIER_TOKEN is {token.Length} characters; use at least {MinimumLength} random characters (e.g. openssl rand -hex 32)";
        if (token.Length == 0 && !IsLoopback(apiHost))
            return $"the API would listen on {apiHost}, beyond loopback, without a bearer token: set ATELIER_TOKEN (at least {MinimumLength} random characters) or use --api-host 127.0.0.1";
        return null;
    }

    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);

    public static IApplicationBuilder UseBearerToken(this IApplicationBuilder app, string token)
    {
        if (token.Length == 0) return app;
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        return app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/api") || Matches(context.Request.Headers.Authorization.ToString(), expected))
            {
                await next(context);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await context.Response.WriteAsJsonAsync(
                new ApiError("missing or wrong bearer token: set ATELIER_TOKEN to the coordinator's API token (pbm sends it as Authorization: Bearer …)"),
                ApiJson.Options);
        });
    }

    private static bool Matches(string header, byte[] expected)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        // Hashing first gives equal lengths, so the comparison time says nothing about the token.
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
