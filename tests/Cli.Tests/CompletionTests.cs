namespace Atelier.Cli.Tests;

public class CompletionTests
{
    [Theory]
    [InlineData("", "", "cluster completion exit help quit sweep worker")]
    [InlineData("", "c", "cluster completion")]
    [InlineData("", "x", "")]
    [InlineData("sweep", "", "artifacts cancel extend list logs pause report resume show submit watch")]
    [InlineData("sweep", "p", "pause")]
    [InlineData("sweep", "re", "report resume")]
    [InlineData("help sweep", "e", "extend")]
    [InlineData("sweep extend", "--d", "--dry-run")]
    [InlineData("sweep pause", "--d", "")]
    [InlineData("sweep report", "--", "--help --json --out --server --views")]
    [InlineData("sweep report ID --out x", "--v", "--views")]
    [InlineData("sweep", "s", "show submit")]
    [InlineData("cluster", "", "down leave show")]
    [InlineData("worker", "d", "drain")]
    [InlineData("help", "", "cluster completion sweep worker")]
    [InlineData("help cluster", "l", "leave")]
    [InlineData("pbm", "w", "worker")]
    [InlineData("10.0.0.5:9110", "cl", "cluster")]
    [InlineData("--json", "sw", "sweep")]
    [InlineData("--server 10.0.0.5:9110", "wo", "worker")]
    [InlineData("cluster show", "", "")]
    [InlineData("cluster down", "akka", "")]
    [InlineData("bogus", "", "")]
    [InlineData("cluster show", "--", "--help --json --server")]
    [InlineData("cluster show --json", "--", "--help --server")]
    [InlineData("sweep submit", "--w", "--wait")]
    [InlineData("cluster show", "--w", "")]
    [InlineData("cluster show --server", "", "")]
    public void Candidates_are_the_valid_next_words(string typed, string partial, string expected)
    {
        var words = typed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries), Completion.Candidates(words, partial));
    }

    [Theory]
    [InlineData("cl", "uster ", "cluster")]
    [InlineData("cluster sh", "ow ", "show")]
    [InlineData("worker ", "", "drain list")]
    [InlineData("sweep s", "", "show submit")]
    [InlineData("sweep su", "bmit ", "submit")]
    [InlineData("  e", "xit ", "exit")]
    [InlineData("cluster show ", "", "")]
    [InlineData("zz", "", "")]
    public void Complete_inserts_the_unambiguous_part_and_offers_the_choices(string line, string insert, string candidates)
    {
        var result = Completion.Complete(line);
        Assert.Equal(insert, result.Insert);
        Assert.Equal(candidates.Split(' ', StringSplitOptions.RemoveEmptyEntries), result.Candidates);
    }

    [Fact]
    public void Complete_extends_to_the_common_prefix()
    {
        // "show" and "submit" share only "s"; with "sweep " typed both start with nothing in common beyond "".
        Assert.Equal("", Completion.Complete("sweep ").Insert);
        Assert.Equal(["artifacts", "cancel", "extend", "list", "logs", "pause", "report", "resume", "show", "submit", "watch"],
            Completion.Complete("sweep ").Candidates);
        Assert.Equal("-", Completion.Complete("cluster show -").Insert);
    }
}
