using System.Net;
using System.Net.Sockets;

namespace Atelier.Cli.Tests;

/// <summary>Runs pbm in-process with captured outputs, no environment variables, no home (so no config file), empty stdin and UTC times.</summary>
internal static class PbmRunner
{
    public sealed record Outcome(int Code, string Out, string Err)
    {
        public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public static PbmHost Host(IDictionary<string, string>? environment = null, string? home = null, string input = "") => new()
    {
        GetEnvironmentVariable = name => environment is not null && environment.TryGetValue(name, out var v) ? v : null,
        HomeDirectory = home,
        Input = new StringReader(input),
        TimeZone = TimeZoneInfo.Utc,
    };

    public static async Task<Outcome> RunAsync(params string[] args) => await RunAsync(Host(), args);

    public static async Task<Outcome> RunAsync(PbmHost host, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var code = await Pbm.RunAsync(args, stdout, stderr, host);
        return new Outcome(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A loopback port that nothing listens on (it was free a moment ago).</summary>
    public static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
