using System.Net;
using System.Net.Http.Headers;
using Atelier.Coordinator.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Atelier.Coordinator.Tests.Api;

/// <summary>The token middleware in a real Kestrel server on a loopback port.</summary>
public sealed class BearerTokenAuthTests : IAsyncLifetime
{
    private const string Token = "0123456789abcdef-secret";
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.UseBearerToken(Token);
        _app.MapGet("/api/ping", () => "pong");
        _app.MapGet("/healthz/live", () => "live");
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<HttpResponseMessage> Get(string path, string? auth)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (auth is not null) request.Headers.Authorization = AuthenticationHeaderValue.Parse(auth);
        return await _http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_right_token_passes()
    {
        var response = await Get("/api/ping", $"Bearer {Token}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token-wrong-token")]
    [InlineData("Bearer " + Token + "x")]
    [InlineData("Basic " + Token)]
    public async Task A_missing_or_wrong_token_is_refused_with_401_and_a_json_error(string? auth)
    {
        var response = await Get("/api/ping", auth);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.Contains("ATELIER_TOKEN", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Health_probes_need_no_token()
    {
        Assert.Equal(HttpStatusCode.OK, (await Get("/healthz/live", null)).StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1", "", true)]
    [InlineData("localhost", "", true)]
    [InlineData("::1", "", true)]
    [InlineData("0.0.0.0", "", false)]
    [InlineData("10.1.2.3", "", false)]
    [InlineData("0.0.0.0", Token, true)]
    [InlineData("127.0.0.1", "short", false)]
    public void The_api_refuses_to_listen_beyond_loopback_without_a_token(string host, string token, bool allowed)
    {
        var refusal = BearerTokenAuth.CheckExposure(host, token);
        Assert.Equal(allowed, refusal is null);
        if (!allowed) Assert.Contains("ATELIER_TOKEN", refusal);
    }
}
