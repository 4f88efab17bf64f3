using System.Net;
using System.Net.Sockets;

namespace Atelier.Deploy.Tests.Support;

/// <summary>
/// Forwards TCP connections from one subnet (a podman network's) to a loopback port: containers on a bridge network
/// reach a test's loopback-only PostgreSQL through it, as pods reach a database Service. It listens on every interface
/// (the bridge's address exists only once a container runs) and closes connections from anywhere else at once.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly string _subnetPrefix;

    /// <param name="subnetPrefix">The first three octets of the clients' /24, e.g. <c>10.89.42</c>.</param>
    public TcpRelay(int targetPort, string subnetPrefix)
    {
        _subnetPrefix = subnetPrefix + ".";
        _listener = new TcpListener(IPAddress.Any, 0);
        _listener.Start();
        _accepting = AcceptAsync(targetPort, _stop.Token);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync(int targetPort, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var from = ((IPEndPoint)client.Client.RemoteEndPoint!).Address.MapToIPv4().ToString();
            if (!from.StartsWith(_subnetPrefix, StringComparison.Ordinal))
            {
                client.Dispose();
                continue;
            }
            _ = PipeAsync(client, targetPort, ct);
        }
    }

    private static async Task PipeAsync(TcpClient client, int targetPort, CancellationToken ct)
    {
        using (client)
        using (var target = new TcpClient())
        {
            try
            {
                await target.ConnectAsync(IPAddress.Loopback, targetPort, ct);
                var from = client.GetStream();
                var to = target.GetStream();
                // Either side closing ends both: a dropped database connection must look dropped to the coordinator.
                await Task.WhenAny(from.CopyToAsync(to, ct), to.CopyToAsync(from, ct));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
