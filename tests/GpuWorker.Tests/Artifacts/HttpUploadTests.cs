using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Atelier.GpuWorker.Artifacts;

namespace Atelier.GpuWorker.Tests.Artifacts;

/// <summary>
/// <see cref="HttpUpload"/> against a real socket: the bytes arrive whole; a refusal comes back with the server's
/// reason; only a coordinator that cannot be reached at all lets the caller send the bytes another way.
/// </summary>
public sealed class HttpUploadTests : IDisposable
{
    private readonly string _file = Path.Combine(Directory.CreateTempSubdirectory("atelier-http-upload-").FullName, "step-1.bin");
    private readonly byte[] _bytes = RandomNumberGenerator.GetBytes(3 << 20);

    public HttpUploadTests() => File.WriteAllBytes(_file, _bytes);

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_file)!, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_file_arrives_whole_as_one_put()
    {
        using var server = new OneRequestServer(204, "");
        var outcome = await new HttpUpload().PutAsync(server.Url + "artifacts/uploads/abc", _file, _bytes.Length, Ct);
        Assert.Equal(new HttpUpload.Outcome(true, null), outcome);
        var (head, body) = await server.Received;
        Assert.StartsWith("PUT /artifacts/uploads/abc HTTP/1.1", head);
        Assert.Contains($"Content-Length: {_bytes.Length}", head);
        Assert.Equal(_bytes, body);
    }

    [Fact]
    public async Task A_refusal_comes_back_with_the_servers_reason_and_no_second_way()
    {
        using var server = new OneRequestServer(404, """{"error":"no upload waits for bytes under this id"}""");
        var outcome = await new HttpUpload().PutAsync(server.Url + "artifacts/uploads/abc", _file, _bytes.Length, Ct);
        Assert.True(outcome.Connected);
        Assert.Equal("the coordinator refused the bytes (404): no upload waits for bytes under this id", outcome.Error);
    }

    [Fact]
    public async Task A_coordinator_that_cannot_be_reached_leaves_the_bytes_to_another_way_naming_where()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now: the connection is refused
        var outcome = await new HttpUpload().PutAsync($"http://127.0.0.1:{port}/artifacts/uploads/abc", _file, _bytes.Length, Ct);
        Assert.False(outcome.Connected);
        Assert.StartsWith($"cannot reach http://127.0.0.1:{port}", outcome.Error);
    }

    /// <summary>Answers one HTTP request with a fixed status and body, keeping what it received.</summary>
    private sealed class OneRequestServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public OneRequestServer(int status, string body)
        {
            _listener.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";
            Received = ServeAsync(status, body);
        }

        public string Url { get; }

        public Task<(string Head, byte[] Body)> Received { get; }

        private async Task<(string, byte[])> ServeAsync(int status, string answer)
        {
            using var client = await _listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var head = new List<byte>();
            while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
                head.Add((byte)stream.ReadByte());
            var text = Encoding.ASCII.GetString([.. head]);
            var length = int.Parse(text.Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))[15..].Trim());
            var body = new byte[length];
            await stream.ReadExactlyAsync(body);
            var reply = Encoding.UTF8.GetBytes(answer);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {reply.Length}\r\nConnection: close\r\n\r\n"));
            await stream.WriteAsync(reply);
            return (text, body);
        }

        public void Dispose() => _listener.Stop();
    }
}
