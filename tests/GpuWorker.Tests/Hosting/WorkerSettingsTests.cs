using Atelier.GpuWorker.Hosting;
using Atelier.Shared.Hosting;
using Microsoft.Extensions.Configuration;

namespace Atelier.GpuWorker.Tests.Hosting;

public sealed class WorkerSettingsTests
{
    private static WorkerSettings From(params string[] args) =>
        WorkerSettings.From(new ConfigurationBuilder().AddAtelierSettings(WorkerSettings.All, args).Build());

    [Fact]
    public void Defaults_join_the_local_coordinator_with_one_cpu_slot()
    {
        var s = From();
        Assert.Equal(["akka.tcp://atelier@127.0.0.1:4053"], s.Node.SeedNodes);
        Assert.Equal((0, 1, "auto"), (s.Node.Port, s.CpuSlots, s.Device));
        Assert.Equal(["cpu", "cpu", "cpu"], Devices.SlotDevices(From("--device", "cpu", "--cpu-slots", "3")));
    }

    [Theory]
    [InlineData("--cpu-slots", "0", "a number of slots from 1 to 256")]
    [InlineData("--device", "tpu", "auto, cpu or cuda")]
    [InlineData("--coordinator-lost-timeout", "soon", "a positive duration")]
    public void Bad_values_name_the_option_and_what_is_allowed(string option, string value, string expected)
    {
        var e = Assert.Throws<SettingException>(() => From(option, value));
        Assert.Contains(option, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_readme_documents_every_setting()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Cluster.sln"))) root = root.Parent!;
        var readme = File.ReadAllText(Path.Combine(root.FullName, "README.md"));
        foreach (var s in WorkerSettings.All)
        {
            Assert.Contains($"`{s.Option}`", readme);
            Assert.Contains($"`{s.EnvironmentVariable}`", readme);
        }
    }
}
