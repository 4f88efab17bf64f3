using Atelier.Shared.Hosting;

namespace Atelier.Shared.Tests.Hosting;

public sealed class SettingArgumentsTests
{
    private static readonly Setting[] Settings =
    [
        new("A:Port", "--port", "ATELIER_PORT", "4053", "remoting port"),
        new("A:Seeds", "--seed-nodes", "ATELIER_SEED_NODES", "", "seed node addresses"),
    ];

    [Theory]
    [InlineData]
    [InlineData("--port", "4053")]
    [InlineData("--port=4053", "--seed-nodes", "akka.tcp://atelier@h:4053")]
    [InlineData("--PORT", "-1")] // options match regardless of case, as .NET's command-line configuration does
    public void Known_options_with_their_values_go_on(params string[] args) =>
        Assert.Null(SettingArguments.Screen("worker", Settings, args));

    [Theory]
    [InlineData("worker: unknown option '--prot' (did you mean '--port'?); 'worker --help' lists the options\n", "--prot", "4053")]
    [InlineData("worker: unknown option '--verbose'; 'worker --help' lists the options\n", "--port", "1", "--verbose", "2")]
    [InlineData("worker: option '--seed-nodes' needs a value; 'worker --help' lists the options\n", "--port", "1", "--seed-nodes")]
    [InlineData("worker: unexpected argument 'foo': settings are given as --option value; 'worker --help' lists the options\n", "foo")]
    [InlineData("worker: unexpected argument '-p': settings are given as --option value; 'worker --help' lists the options\n", "-p", "4053")]
    public void Anything_else_is_refused_by_name_with_exit_code_2(string message, params string[] args)
    {
        var screened = SettingArguments.Screen("worker", Settings, args);

        Assert.Equal(new ScreenedArguments(message, 2), screened);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--prot", "1", "--help")] // help wins over a mistake
    public void Help_lists_every_option_with_its_variable_and_default_and_exits_0(params string[] args)
    {
        var screened = SettingArguments.Screen("worker", Settings, args, "run JOB --out DIR")!;

        Assert.Equal(0, screened.ExitCode);
        Assert.Equal(
            "usage: worker [--option value]...\n" +
            "       run JOB --out DIR\n" +
            "Each option can also be set by its environment variable; an option given wins.\n\n" +
            "  --port        ATELIER_PORT\n" +
            "                remoting port (default: 4053)\n" +
            "  --seed-nodes  ATELIER_SEED_NODES\n" +
            "                seed node addresses\n",
            screened.Text);
    }
}
