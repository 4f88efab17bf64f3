using Atelier.Testing;
using Atelier.Testing.Chaos;

namespace Atelier.Integration.Tests;

/// <summary>
/// Short seeded runs of the chaos harness (<see cref="ChaosRun"/>; the long runs are in docs/benchmarks.md): one round
/// of every fault (eight, in a seeded order) against a real cluster, then every invariant checked. A failure prints the seed and the faults as
/// they were carried out, to replay with <c>bench/ChaosBench --seed N</c>.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    private static async Task<ChaosResult> RunAsync(ChaosOptions options, ITestOutputHelper output)
    {
        var log = new StringWriter();
        var result = await ChaosRun.RunAsync(options with { Output = TextWriter.Synchronized(log) }, TestContext.Current.CancellationToken);
        output.WriteLine(log.ToString());
        Assert.True(result.Passed, string.Join('\n', result.Describe()));
        Assert.Equal(options.MaxFaults, result.Faults.Count);
        Assert.True(result.Report.StepsChecked > 200, $"only {result.Report.StepsChecked} steps were checked");
        return result;
    }

    /// <summary>
    /// One coordinator: nothing should ever down it, so it must not exit by itself (it did when Akka's resolver downed
    /// every node after 35 s of flapping workers; see <see cref="UnstableWorkersTests"/>).
    /// </summary>
    [Fact(Timeout = 900_000)]
    public async Task Every_fault_on_sqlite_loses_nothing_for_any_job()
    {
        var result = await RunAsync(new ChaosOptions
        {
            Seed = 11,
            Duration = TimeSpan.FromMinutes(6),
            MaxFaults = Enum.GetValues<FaultKind>().Length,
            MinGap = TimeSpan.FromSeconds(3),
            MaxGap = TimeSpan.FromSeconds(8),
        }, output);
        Assert.True(result.SelfExits.Count == 0, $"processes exited on their own: {string.Join("; ", result.SelfExits)}");
    }

    /// <summary>
    /// Three coordinators. A coordinator restarted on its own address can lose its link with another one (in
    /// Akka.NET's classic remoting; cause not found), and then the resolver downs both; they exit with 3 and the harness starts
    /// them again as a supervisor would (docs/architecture.md, "Cluster membership"). What must hold is that nothing is lost.
    /// </summary>
    [Fact(Timeout = 900_000)]
    public async Task Every_fault_with_three_coordinators_on_postgres_loses_nothing()
    {
        await using var postgres = await TestPostgres.CreateSchemaAsync("atelier_chaos", TestContext.Current.CancellationToken);
        await RunAsync(new ChaosOptions
        {
            Seed = 12,
            Postgres = postgres.ConnectionString,
            Coordinators = 3,
            Workers = 2,
            AllJobs = false,
            Duration = TimeSpan.FromMinutes(6),
            MaxFaults = Enum.GetValues<FaultKind>().Length,
            MinGap = TimeSpan.FromSeconds(3),
            MaxGap = TimeSpan.FromSeconds(8),
        }, output);
    }
}
