using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace Atelier.Shared.Hosting;

/// <summary>
/// Says in one log line why a node that is not in the cluster yet cannot join: for each seed node, whether its host
/// resolves and its port accepts a connection. Akka keeps trying the seed nodes every few seconds by itself (the
/// process does not exit); this check repeats with a growing pause (5 s, 10 s … 1 min), and says once when the node
/// is in. Akka's own remoting lifecycle messages, one stack trace per failed attempt, are off
/// (<c>akka.remote.log-remote-lifecycle-events</c>, <see cref="ClusterHosting"/>).
/// </summary>
public sealed class SeedNodeCheck : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan FirstCheck = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan LongestPause = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    private readonly IReadOnlyList<Address> _seeds;
    private readonly bool _tls;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private TimeSpan _pause = FirstCheck;
    private bool _warned;
    private readonly DateTime _started = DateTime.UtcNow;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="tls">
    /// Remoting speaks TLS: the check only resolves the seeds' hosts, as a bare connection would be logged by the seed as
    /// a failed handshake.
    /// </param>
    public SeedNodeCheck(IReadOnlyList<string> seeds, bool tls)
    {
        var self = Cluster.Get(Context.System).SelfAddress;
        _seeds = seeds.Select(Address.Parse).Where(a => a != self).ToList();
        _tls = tls;
        Receive<Check>(_ =>
        {
            var self = Self;
            Task.WhenAll(_seeds.Select(seed => ProbeAsync(seed, _tls))).PipeTo(self,
                success: answers => new Probed(answers),
                failure: e => new Probed([$"the check itself failed ({e.GetBaseException().Message})"]));
        });
        Receive<Probed>(p =>
        {
            if (Cluster.Get(Context.System).SelfMember.Status == MemberStatus.Up) return;
            _pause = _pause * 2 > LongestPause ? LongestPause : _pause * 2;
            var reachable = p.Answers.All(a => a.EndsWith(Reachable, StringComparison.Ordinal));
            _log.Warning("not in the cluster after {0:0} s: {1}{2}; still trying (next check in {3:0} s)",
                (DateTime.UtcNow - _started).TotalSeconds,
                string.Join("; ", p.Answers),
                reachable ? _tls
                        ? " — yet none let this node in: is a coordinator running there, with TLS and a certificate from the same CA (the log says which handshake failed)?"
                        : " — yet none let this node in: is a coordinator running there, with the same cluster name (atelier) and without TLS?"
                    : "",
                _pause.TotalSeconds);
            _warned = true;
            Timers.StartSingleTimer("check", Check.Instance, _pause);
        });
        Receive<Joined>(_ =>
        {
            Timers.CancelAll();
            if (_warned) _log.Info("joined the cluster");
            Context.Stop(Self);
        });
    }

    protected override void PreStart()
    {
        var self = Self;
        Cluster.Get(Context.System).RegisterOnMemberUp(() => self.Tell(Joined.Instance));
        if (_seeds.Count > 0) Timers.StartSingleTimer("check", Check.Instance, FirstCheck);
    }

    private const string Reachable = "accepts connections";

    /// <summary>One seed node: "SEED: why not", or "SEED accepts connections" (with TLS: "SEED resolves … accepts connections").</summary>
    private static async Task<string> ProbeAsync(Address seed, bool tls)
    {
        var name = $"seed node {seed}";
        if (seed.Host is not { } host || seed.Port is not { } port) return $"{name} names no host and port";
        IPAddress[] addresses;
        try
        {
            using var timeout = new CancellationTokenSource(ProbeTimeout);
            addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return $"{name}: host {host} does not resolve ({(e is SocketException s ? s.Message : "no answer in time")})";
        }
        if (addresses.Length == 0) return $"{name}: host {host} resolves to no address";
        if (tls) return $"{name} resolves to {string.Join(", ", addresses.Select(a => a.ToString()))} (not connected to: TLS); assumed {Reachable}";
        var why = "";
        foreach (var address in addresses)
        {
            try
            {
                using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                using var timeout = new CancellationTokenSource(ProbeTimeout);
                await socket.ConnectAsync(address, port, timeout.Token);
                return $"{name} {Reachable}";
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                why = $"{name}: {host} ({address}) port {port} {(e is SocketException s ? s.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "refuses connections (nothing listens there)",
                    _ => $"cannot be reached ({s.Message})",
                } : "does not answer")}";
            }
        }
        return why;
    }

    private sealed class Check
    {
        public static readonly Check Instance = new();
    }

    private sealed class Joined
    {
        public static readonly Joined Instance = new();
    }

    private sealed record Probed(string[] Answers);
}
