using System.Text.Json;
using Atelier.Contracts.Api;

namespace Atelier.Cli;

/// <summary><c>pbm cluster show</c>: the cluster's members as the coordinator sees them.</summary>
internal static class ClusterShowCommand
{
    /// <summary><c>pbm cluster show</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("cluster", "show", RunAsync)
    {
        Summary = "the cluster's members: address, roles, status, reachability",
        About = "the cluster's members as the coordinator that answers sees them.",
        Details = """
        Columns: ADDRESS (akka.tcp://atelier@HOST:PORT: what leave and down take), ROLES (coordinator,
        gpu-worker), STATUS (joining, up, leaving, exiting, down, removed, ...), REACHABLE (whether the
        cluster's failure detector reaches it), and a last column that marks self (the coordinator that
        answered) and the leader. Unreachable members, and a missing leader, are reported after the table.

        Options:
          --json   print the coordinator's JSON ({self, leader, members: [{address, roles, status,
                   reachable}]}) only
        """,
    };

    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        using var client = context.CreateClient();
        return context.Show(await client.ClusterAsync(ct), cluster => Write(cluster, context.Out, context.Styler));
    }

    /// <summary>The members table, then a line about a missing leader or unreachable members, if any.</summary>
    public static void Write(ClusterDto cluster, TextWriter writer, Styler styler)
    {
        if (cluster.Members.Count == 0)
        {
            writer.WriteLine($"no members: the coordinator {cluster.Self} has not joined a cluster yet");
            return;
        }

        Table(cluster).Write(writer, styler);
        if (cluster.Leader is null)
            writer.WriteLine(styler.Apply("no leader yet: the cluster is still forming, or an unreachable member keeps it from converging", Style.Yellow));
        var unreachable = cluster.Members.Count(m => !m.Reachable);
        if (unreachable > 0)
            writer.WriteLine(styler.Apply(
                $"{Format.Count(unreachable, "member")} unreachable: if {(unreachable == 1 ? "it is" : "they are")} dead, remove {(unreachable == 1 ? "it" : "them")} with pbm cluster down ADDRESS",
                Style.Red));
    }

    /// <summary>ADDRESS, ROLES, STATUS, REACHABLE, and a last column that marks this coordinator (self) and the leader.</summary>
    public static Table Table(ClusterDto cluster)
    {
        var table = new Table(new Column("ADDRESS"), new Column("ROLES"), new Column("STATUS"), new Column("REACHABLE"), new Column(""));
        foreach (var member in cluster.Members)
        {
            var marks = new List<string>();
            if (member.Address == cluster.Self) marks.Add("self");
            if (member.Address == cluster.Leader) marks.Add("leader");
            var status = Status(member.Status);
            table.AddRow(
                member.Address,
                member.Roles.Count == 0 ? Format.None : string.Join(",", member.Roles),
                new Cell(status, StatusStyle(status)),
                member.Reachable ? new Cell("yes") : new Cell("no", Style.Red),
                new Cell(string.Join(", ", marks), Style.Bold));
        }
        return table;
    }

    /// <summary>Akka's member status in lower case, as pbm shows states: <c>Up</c> → <c>up</c>, <c>WeaklyUp</c> → <c>weakly_up</c>.</summary>
    public static string Status(string status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status);

    private static Style StatusStyle(string status) => status switch
    {
        "up" => Style.Green,
        "down" or "removed" => Style.Red,
        _ => Style.Yellow,
    };
}
