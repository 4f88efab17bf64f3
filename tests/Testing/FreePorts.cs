using System.Net;
using System.Net.Sockets;

namespace Atelier.Testing;

/// <summary>Free loopback TCP ports, never the same one twice in this process.</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Handed = [];

    /// <summary>A port that nothing listened on a moment ago (the OS picks it by binding port 0).</summary>
    public static int Next()
    {
        lock (Handed)
        {
            for (var attempt = 0; attempt < 100; attempt++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Handed.Add(port)) return port;
            }
            throw new InvalidOperationException("could not find a free loopback port in 100 tries");
        }
    }

    /// <summary>Whether something accepts connections or holds <paramref name="port"/> on 127.0.0.1.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
