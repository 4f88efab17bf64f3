using Atelier.Shared.Hosting;
using Microsoft.Extensions.Configuration;

namespace Atelier.Deploy.Tests;

/// <summary>The TLS settings: all three files or none, and the address protocol that follows them.</summary>
public sealed class NodeTlsSettingsTests
{
    private static ClusterNodeSettings Node(params (Setting Setting, string Value)[] values) =>
        ClusterNodeSettings.From(
            new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Setting.Key, v.Value))).Build(),
            new Setting("Atelier:Cluster:Port", "--port", "ATELIER_PORT", "4053", "remoting port"), "akka.tcp://atelier@127.0.0.1:4053");

    private static readonly (Setting, string)[] AllThree =
        [(NodeTlsSettings.CertificateSetting, "/tls/tls.crt"), (NodeTlsSettings.KeySetting, "/tls/tls.key"), (NodeTlsSettings.AuthoritySetting, "/tls/ca.crt")];

    [Fact]
    public void Without_tls_addresses_are_plain_tcp()
    {
        var node = Node((ClusterNodeSettings.SeedNodesSetting, "akka.tcp://atelier@10.0.0.1:4053"));
        Assert.Null(node.Tls);
        Assert.Equal("akka.tcp://atelier@127.0.0.1:4053", node.SelfAddress);
        Assert.Equal(["akka.tcp://atelier@10.0.0.1:4053"], node.SeedNodes);
    }

    [Fact]
    public void With_tls_every_address_speaks_ssl_tcp_whichever_way_the_seeds_are_written()
    {
        var node = Node([.. AllThree, (ClusterNodeSettings.SeedNodesSetting, "akka.tcp://atelier@10.0.0.1:4053,akka.ssl.tcp://atelier@10.0.0.2:4053")]);
        Assert.Equal(new NodeTlsSettings("/tls/tls.crt", "/tls/tls.key", "/tls/ca.crt"), node.Tls);
        Assert.Equal("akka.ssl.tcp://atelier@127.0.0.1:4053", node.SelfAddress);
        Assert.Equal(["akka.ssl.tcp://atelier@10.0.0.1:4053", "akka.ssl.tcp://atelier@10.0.0.2:4053"], node.SeedNodes);
        Assert.Equal(["akka.ssl.tcp://atelier@127.0.0.1:4053"], Node(AllThree).SeedNodes); // the default seed too
    }

    [Theory]
    [InlineData(0, "--tls-cert")]
    [InlineData(1, "--tls-key")]
    [InlineData(2, "--tls-ca")]
    public void Two_of_the_three_files_are_refused_naming_the_missing_one(int left, string named)
    {
        var e = Assert.Throws<SettingException>(() => Node(AllThree.Where((_, i) => i != left).ToArray()));
        Assert.StartsWith(named, e.Message);
        Assert.Contains("mutual TLS needs --tls-cert, --tls-key, --tls-ca", e.Message);
    }

    [Fact]
    public void A_seed_of_another_cluster_or_protocol_is_refused()
    {
        var e = Assert.Throws<SettingException>(() => Node((ClusterNodeSettings.SeedNodesSetting, "akka.udp://atelier@10.0.0.1:4053")));
        Assert.Contains("addresses like akka.tcp://atelier@HOST:PORT", e.Message);
    }
}
