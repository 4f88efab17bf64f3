namespace Atelier.Cli;

/// <summary>
/// What <c>pbm</c> takes from its surroundings, so that tests can supply their own: the HTTP handler, environment
/// variables, whether the outputs are terminals, the time zone.
/// </summary>
public sealed record PbmHost
{
    /// <summary>The handler for requests to the coordinator; null for a real network connection.</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>Reads an environment variable (for <c>ATELIER_SERVER</c>).</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

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
        };
    }
}
