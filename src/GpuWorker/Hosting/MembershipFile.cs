using Akka.Actor;
using Akka.Cluster;

namespace Atelier.GpuWorker.Hosting;

/// <summary>
/// Keeps <see cref="FileName"/> in the worker's data directory while this node is Up in the cluster (holding its
/// address), and no longer: the worker serves no HTTP, so its Kubernetes probes test for this file instead of
/// connecting to the remoting port, which with mutual TLS would log a failed handshake for every probe.
/// </summary>
public sealed class MembershipFile : ReceiveActor
{
    public const string FileName = "cluster-member";

    private readonly string _path;
    private readonly Cluster _cluster = Cluster.Get(Context.System);

    public MembershipFile(string dataDirectory)
    {
        _path = Path.Combine(dataDirectory, FileName);
        Receive<ClusterEvent.MemberUp>(up =>
        {
            if (up.Member.Address == _cluster.SelfAddress) Write();
        });
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            if (e.Member.Address == _cluster.SelfAddress && e.Member.Status is not MemberStatus.Up) Delete();
        });
    }

    /// <summary>
    /// Deletes the file an earlier process left (one killed with SIGKILL cannot delete its own): called as soon as the
    /// data directory is known, so a restarted pod's probes do not see the dead process's membership for long.
    /// </summary>
    /// <exception cref="InvalidOperationException">The file is there and cannot be deleted; the message says why.</exception>
    public static void ClearStale(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot delete {path}, which an earlier process left: {e.Message}", e);
        }
    }

    protected override void PreStart()
    {
        Delete(); // an earlier actor system's
        _cluster.Subscribe(Self, ClusterEvent.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        Delete();
    }

    private void Write()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        File.WriteAllText(_path, _cluster.SelfAddress + "\n");
    }

    private void Delete()
    {
        if (File.Exists(_path)) File.Delete(_path);
    }
}
