using Atelier.Testing;

namespace Atelier.Cli.Tests;

/// <summary>The command table is pbm's one description of its commands: help, usage errors, completion and the README follow it.</summary>
public class CommandTableTests
{
    private static ParsedCommand Parse(params string[] args) =>
        Assert.IsType<ParsedCommand>(CommandLine.Parse(args, _ => null));

    [Fact]
    public void The_readme_lists_the_commands_exactly_as_pbm_help_does()
    {
        var readme = File.ReadAllText(RepoLayout.File("README.md")).ReplaceLineEndings("\n");
        var list = Usage.CommandList;
        Assert.True(readme.Contains("\n" + list, StringComparison.Ordinal),
            $"README.md's command list differs from pbm --help's; put this block in its place:\n{list}");
    }

    [Fact]
    public void Each_command_is_reached_by_its_words_and_its_operands()
    {
        foreach (var command in CommandCatalog.All)
        {
            var operands = command.Operands.Select(o => o.Name == "ADDRESS" ? "akka.tcp://atelier@10.0.0.6:4053" : o.Name == "TRIAL" ? "3" : "x");
            Assert.Same(command, Parse([command.Palette, command.Name, .. operands]).Command);
        }
    }

    [Fact]
    public void Each_command_has_help_that_shows_its_usage_and_describes_each_of_its_options()
    {
        foreach (var command in CommandCatalog.All)
        {
            var help = Usage.For(command.Topic);
            Assert.StartsWith($"pbm {command.Topic}: ", help);
            Assert.Contains($"Usage: {Usage.Synopsis(command.Topic)}\n", help);
            foreach (var option in command.OwnOptions)
                Assert.True(command.Details.Contains($"  {option.Synopsis} ", StringComparison.Ordinal),
                    $"pbm {command.Topic} --help does not describe {option.Synopsis}");
            Assert.Contains(command.Palette + " " + command.Name, Usage.CommandList);
        }
    }

    [Fact]
    public void An_option_given_to_a_command_that_does_not_take_it_names_the_commands_that_do()
    {
        var error = Assert.IsType<UsageError>(CommandLine.Parse(["sweep", "list", "--out", "d"], _ => null));
        Assert.StartsWith("option --out is only for pbm sweep artifacts and pbm sweep report.", error.Message);
    }

    [Fact]
    public void Extra_operands_are_refused_with_what_the_command_takes()
    {
        var error = Assert.IsType<UsageError>(CommandLine.Parse(["sweep", "logs", "id", "1", "2"], _ => null));
        Assert.StartsWith("unexpected argument '2': give one ID and at most one TRIAL.", error.Message);
    }
}
