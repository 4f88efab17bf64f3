namespace Atelier.Cli.Tests;

/// <summary><c>pbm sweep logs</c>'s arguments and what it asks the coordinator (the lines themselves: Integration.Tests).</summary>
public sealed class SweepLogsTests
{
    private const string Id = "grid-20261127-abcdef";

    [Theory]
    [InlineData(new[] { "sweep", "logs" }, "missing the sweep ID whose log to show")]
    [InlineData(new[] { "sweep", "logs", Id, "1", "2" }, "unexpected argument '2'")]
    [InlineData(new[] { "sweep", "logs", Id, "first" }, "'first' is not a trial number")]
    [InlineData(new[] { "sweep", "logs", "Not_An_Id" }, "not a sweep id")]
    public async Task Bad_arguments_are_usage_errors(string[] args, string message)
    {
        using var server = new CannedServer(_ => new(500, "{}"));
        var run = await PbmRunner.RunAsync([.. args, "--server", server.Url]);
        Assert.Equal(2, run.Code);
        Assert.Contains(message, run.Err);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task A_trial_number_asks_for_that_trials_lines_and_prints_them()
    {
        const string body = """
            {"sweepId":"grid-20261127-abcdef","trial":3,"lines":[
              {"sequence":4,"at":"2026-11-27T03:00:00+00:00","trial":3,"attempt":1,"kind":"leased","message":"trial 3 attempt 1 started on node slot-0 (cpu)"},
              {"sequence":9,"at":null,"trial":3,"attempt":1,"kind":"metrics","message":"step 1: loss=0.5"}]}
            """;
        using var server = new CannedServer(_ => new(200, body));
        var run = await PbmRunner.RunAsync("sweep", "logs", Id, "3", "--server", server.Url);
        Assert.Equal(0, run.Code);
        Assert.Equal($"/api/sweeps/{Id}/logs?trial=3", Assert.Single(server.Requests).PathAndQuery);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.EndsWith("leased     trial 3 attempt 1 started on node slot-0 (cpu)", lines[0]);
        Assert.StartsWith(new string(' ', 23) + "  metrics    step 1: loss=0.5", lines[1]);
    }
}
