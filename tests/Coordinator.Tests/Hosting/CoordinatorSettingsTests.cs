using Atelier.Coordinator.Hosting;
using Atelier.Shared.Hosting;
using Microsoft.Extensions.Configuration;

namespace Atelier.Coordinator.Tests.Hosting;

public sealed class CoordinatorSettingsTests
{
    private static CoordinatorSettings From(params string[] args) =>
        CoordinatorSettings.From(new ConfigurationBuilder().AddAtelierSettings(CoordinatorSettings.All, args).Build());

    [Fact]
    public void Defaults_listen_on_loopback_and_seed_the_coordinator_itself()
    {
        var s = From();
        Assert.Equal(("127.0.0.1", 9110), (s.ApiHost, s.ApiPort));
        Assert.Equal(["akka.tcp://atelier@127.0.0.1:4053"], s.Node.SeedNodes);
        Assert.Equal(TimeSpan.FromSeconds(30), s.Sweeps.LeaseTimeout);
        Assert.Equal(500, s.Sweeps.SnapshotEvery);
        Assert.Equal(50L * 1024 * 1024, s.MaxInputBytes);
    }

    [Theory]
    [InlineData("2MiB", 2L << 20)]
    [InlineData("512 KiB", 512L << 10)]
    [InlineData("1GB", 1_000_000_000L)]
    [InlineData("12345", 12345L)]
    public void The_input_size_cap_takes_units(string value, long bytes) =>
        Assert.Equal(bytes, From("--max-input-size", value).MaxInputBytes);

    [Fact]
    public void Options_set_ports_seeds_and_durations()
    {
        var s = From("--api-port", "9999", "--port", "5000", "--public-host", "coord-0.atelier", "--lease-timeout", "5s",
            "--snapshot-every", "25", "--seed-nodes", "akka.tcp://atelier@a:1, akka.tcp://atelier@b:2");
        Assert.Equal(9999, s.ApiPort);
        Assert.Equal(5000, s.Node.Port);
        Assert.Equal("akka.tcp://atelier@coord-0.atelier:5000", s.Node.SelfAddress);
        Assert.Equal(["akka.tcp://atelier@a:1", "akka.tcp://atelier@b:2"], s.Node.SeedNodes);
        Assert.Equal(TimeSpan.FromSeconds(5), s.Sweeps.LeaseTimeout);
        Assert.Equal(25, s.Sweeps.SnapshotEvery);
    }

    [Theory]
    [InlineData("--api-port", "abc", "--api-port / ATELIER_API_PORT = 'abc'")]
    [InlineData("--port", "70000", "a port from 0 to 65535")]
    [InlineData("--lease-timeout", "-3", "a positive duration")]
    [InlineData("--snapshot-every", "0", "--snapshot-every / ATELIER_SNAPSHOT_EVERY = '0' is not valid: expected a positive integer")]
    [InlineData("--snapshot-every", "often", "expected an integer")]
    [InlineData("--seed-nodes", "127.0.0.1:4053", "akka.tcp://atelier@HOST:PORT")]
    [InlineData("--max-input-size", "lots", "--max-input-size / ATELIER_MAX_INPUT_SIZE = 'lots' is not valid: expected a size")]
    [InlineData("--max-input-size", "0", "a size such as 50MiB")]
    public void Bad_values_name_the_option_and_what_is_allowed(string option, string value, string expected)
    {
        var e = Assert.Throws<SettingException>(() => From(option, value));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_readme_documents_every_setting()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        foreach (var s in CoordinatorSettings.All)
        {
            Assert.Contains($"`{s.Option}`", readme);
            Assert.Contains($"`{s.EnvironmentVariable}`", readme);
        }
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cluster.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cluster.sln not found above " + AppContext.BaseDirectory);
    }
}
