using Atelier.Contracts.Api;
using Atelier.Shared.Hosting;
using Atelier.Shared.Protocol;
using Microsoft.Extensions.Configuration;

namespace Atelier.GpuWorker.Hosting;

/// <summary>Everything a worker process is configured with (options, env vars).</summary>
public sealed record WorkerSettings(
    ClusterNodeSettings Node, string DataDirectory, int CpuSlots, string Device, TimeSpan CoordinatorLostTimeout)
{
    public static readonly Setting PortSetting = new("Atelier:Cluster:Port", "--port", "ATELIER_PORT", "0",
        "remoting port (0: any free port)");
    public static readonly Setting DataDirectorySetting = new("Atelier:DataDirectory", "--data-dir", "ATELIER_DATA_DIR", "atelier-data/worker",
        "directory for trial work files and checkpoints");
    public static readonly Setting CpuSlotsSetting = new("Atelier:Worker:CpuSlots", "--cpu-slots", "ATELIER_CPU_SLOTS", "1",
        "number of CPU slots when the worker runs on the CPU");
    public static readonly Setting DeviceSetting = new("Atelier:Worker:Device", "--device", "ATELIER_DEVICE", "auto",
        "auto (one slot per GPU, else CPU slots), cpu or cuda");
    public static readonly Setting CoordinatorLostSetting = new("Atelier:Worker:CoordinatorLostTimeout", "--coordinator-lost-timeout",
        "ATELIER_COORDINATOR_LOST_TIMEOUT", "10s", "with no coordinator reachable this long, the worker rejoins through the seed nodes");

    public static readonly IReadOnlyList<Setting> All =
    [
        ClusterNodeSettings.HostSetting, ClusterNodeSettings.PublicHostSetting, PortSetting, ClusterNodeSettings.SeedNodesSetting,
        DataDirectorySetting, CpuSlotsSetting, DeviceSetting, CoordinatorLostSetting,
        .. NodeTlsSettings.Settings, .. KubernetesDiscovery.Settings,
    ];

    public static WorkerSettings From(IConfiguration configuration)
    {
        var node = ClusterNodeSettings.From(configuration, PortSetting,
            $"akka.tcp://{ClusterNames.ActorSystem}@127.0.0.1:{ClusterNames.DefaultRemotingPort}");
        var slots = configuration.GetInt(CpuSlotsSetting);
        if (slots is < 1 or > 256) throw new SettingException(CpuSlotsSetting, slots.ToString(), "a number of slots from 1 to 256");
        var device = configuration.Get(DeviceSetting);
        if (device is not ("auto" or "cpu" or "cuda")) throw new SettingException(DeviceSetting, device, "auto, cpu or cuda");
        return new WorkerSettings(node, Path.GetFullPath(configuration.Get(DataDirectorySetting)), slots, device,
            configuration.GetDuration(CoordinatorLostSetting));
    }
}
