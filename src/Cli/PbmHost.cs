namespace Atelier.Cli;

/// <summary>
/// What <c>pbm</c> takes from its surroundings, so that tests can supply their own: the HTTP handler, environment
/// variables, the home directory, standard input, whether the outputs are terminals, the time zone.
/// </summary>
public sealed record PbmHost
{
    /// <summary>The handler for requests to the coordinator; null for a real network connection.</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>Reads an environment variable (<c>ATELIER_SERVER</c>, <c>ATELIER_TOKEN</c>, <c>ATELIER_CONFIG</c>, <c>XDG_CONFIG_HOME</c>).</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>The user's home directory, where <c>.config/atelier/pbm.json</c> is looked for; null for none.</summary>
    public string? HomeDirectory { get; init; } = DefaultHome();

    /// <summary>Standard input: the lines of the interactive prompt when it is not a terminal.</summary>
    public TextReader Input { get; init; } = TextReader.Null;

    /// <summary>Standard input is a terminal: the prompt reads keys (line editing, Tab completion, history).</summary>
    public bool InteractiveInput { get; init; }

    /// <summary>Where Ctrl+C goes; the prompt uses it to interrupt one command rather than pbm. Null in tests.</summary>
    public Interrupts? Interrupts { get; init; }

    /// <summary>Colour the tables on stdout (a terminal, and <c>NO_COLOR</c> unset).</summary>
    public bool ColorOutput { get; init; }

    /// <summary>stderr is a terminal: <c>--wait</c> shows a progress line there.</summary>
    public bool ProgressOnStderr { get; init; }

    /// <summary>The zone in which times are shown.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Local;

    /// <summary>The host of a real run in a console.</summary>
    public static PbmHost FromConsole()
    {
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            || Environment.GetEnvironmentVariable("TERM") == "dumb";
        return new PbmHost
        {
            ColorOutput = !Console.IsOutputRedirected && !noColor,
            ProgressOnStderr = !Console.IsErrorRedirected,
            Input = Console.In,
            InteractiveInput = !Console.IsInputRedirected,
        };
    }

    private static string? DefaultHome()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length > 0 ? home : null;
    }
}
