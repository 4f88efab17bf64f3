using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Atelier.Cli.Tests;

/// <summary>
/// A real HTTP server on a free loopback port (System.Net.HttpListener) that answers each request from a
/// function of the request, and records every request it saw.
/// </summary>
internal sealed class CannedServer : IDisposable
{
    public sealed record Request(string Method, string PathAndQuery, string? ContentType, string Body)
    {
        /// <summary>The Authorization header, if any.</summary>
        public string? Authorization { get; init; }
    }

    public sealed record Response(int Status, string Body, string ContentType = "application/json; charset=utf-8");

    private readonly HttpListener _listener;
    private readonly Func<Request, Response> _answer;
    private readonly Task _loop;

    public CannedServer(Func<Request, Response> answer)
    {
        _answer = answer;
        for (var attempt = 0; ; attempt++)
        {
            // A new listener each time: one whose Start failed (the free port was taken meanwhile) is disposed.
            Port = PbmRunner.ClosedPort();
            _listener = new HttpListener();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<Request> Requests { get; } = new();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var request = new Request(context.Request.HttpMethod, context.Request.Url!.PathAndQuery,
                context.Request.ContentType, await reader.ReadToEndAsync())
            {
                Authorization = context.Request.Headers["Authorization"],
            };
            Requests.Enqueue(request);
            var response = _answer(request);
            var bytes = Encoding.UTF8.GetBytes(response.Body);
            context.Response.StatusCode = response.Status;
            context.Response.ContentType = response.ContentType;
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        try
        {
            _listener.Close();
        }
        catch (HttpListenerException)
        {
            // The managed HttpListener looks its endpoint up again to close it, binding the port anew; when another test's
            // socket took the port meanwhile, that throws "Address already in use". The listener is stopped already.
        }
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
