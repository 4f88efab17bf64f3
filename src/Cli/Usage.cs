namespace Atelier.Cli;

/// <summary>The help texts: the whole palette, the <c>sweep</c> palette, and each command.</summary>
internal static class Usage
{
    /// <summary>Topics that <c>pbm help TOPIC</c> and <c>--help</c> know.</summary>
    public static readonly IReadOnlyList<string> Topics = ["", "sweep", "sweep submit", "sweep list", "sweep show", "sweep watch", "sweep cancel"];

    /// <summary>One line: how the command is called.</summary>
    public static string Synopsis(string topic) => topic switch
    {
        "sweep submit" => "pbm sweep submit FILE [--wait] [--json] [--server URL]",
        "sweep list" => "pbm sweep list [--json] [--server URL]",
        "sweep show" => "pbm sweep show ID [--json] [--server URL]",
        "sweep cancel" => "pbm sweep cancel ID [--json] [--server URL]",
        "sweep watch" => "pbm sweep watch ID [--json] [--server URL]",
        "sweep" => "pbm sweep (submit FILE [--wait] | list | show ID | watch ID | cancel ID) [--json] [--server URL]",
        _ => "pbm [HOST:PORT] COMMAND [OPTIONS]   (commands: sweep submit, sweep list, sweep show, sweep watch, sweep cancel, help)",
    };

    /// <summary>The command that shows the full help of <paramref name="topic"/>.</summary>
    public static string HelpCommand(string topic) => topic.Length == 0 ? "pbm --help" : $"pbm {topic} --help";

    /// <summary>The full help of <paramref name="topic"/>, ending with a newline.</summary>
    public static string For(string topic) => topic switch
    {
        "sweep submit" => SweepSubmit + "\n" + Common,
        "sweep list" => SweepList + "\n" + Common,
        "sweep show" => SweepShow + "\n" + Common,
        "sweep cancel" => SweepCancel + "\n" + Common,
        "sweep watch" => SweepWatch + "\n" + Common,
        "sweep" => SweepPalette + "\n" + Common,
        _ => Root + "\n" + Common,
    };

    private const string Root = """
        pbm: the Atelier command line. Submit hyperparameter sweeps to a coordinator and read their results.

        Usage: pbm [HOST:PORT] COMMAND [OPTIONS]

        Commands:
          sweep submit FILE [--wait]   validate a sweep spec (YAML) locally, then submit it
          sweep list                   list the sweeps the coordinator knows
          sweep show ID                one sweep: its best trial and a table of every trial
          sweep watch ID               live progress (trials, best, running trials, ETA) until it ends
          sweep cancel ID              stop a sweep: pending trials are cancelled, running ones stopped
          help [COMMAND]               help for a command, e.g. pbm help sweep submit

        Examples:
          pbm sweep submit examples/synthetic-grid.yaml --wait
          pbm 10.0.0.5:9110 sweep list
          pbm sweep show synthetic-grid-20260101-8f3a2c --json

        """;

    private const string SweepPalette = """
        pbm sweep: submit sweeps and read their results.

        Usage: pbm sweep COMMAND [OPTIONS]

        Commands:
          submit FILE [--wait]   validate a sweep spec (YAML) locally, then submit it
          list                   list the sweeps the coordinator knows
          show ID                one sweep: its best trial and a table of every trial
          watch ID               live progress (trials, best, running trials, ETA) until it ends
          cancel ID              stop a sweep: pending trials cancelled, running ones stopped

        """;

    private const string SweepSubmit = """
        pbm sweep submit: validate a sweep spec locally, then submit it to the coordinator.

        Usage: pbm sweep submit FILE [--wait] [--json] [--server URL]

        The spec is checked before anything is sent: every problem is printed as FILE:line N: field: message
        and pbm exits with 2. On success pbm prints "submitted sweep ID (N trials)".

        Options:
          --wait   then wait until every trial has finished and print the results (as pbm sweep show);
                   Ctrl+C stops waiting, the sweep keeps running
          --json   print the coordinator's JSON answer only (with --wait: the finished sweep)

        """;

    private const string SweepList = """
        pbm sweep list: list the sweeps the coordinator knows, newest first.

        Usage: pbm sweep list [--json] [--server URL]

        Columns: ID, NAME, JOB, METHOD, STATUS, TRIALS (completed/total, and failed if any), BEST (the best
        value of the sweep's metric), CREATED (local time).

        Options:
          --json   print the coordinator's JSON (a list of sweep summaries) only

        """;

    private const string SweepWatch = """
        pbm sweep watch: follow a sweep live until it ends: trials by state with a progress bar and an
        ETA, the best trial so far, and each running trial's step, progress and latest metric.

        Usage: pbm sweep watch ID [--json] [--server URL]

        Updates come from the coordinator's event stream (no polling); if the connection drops,
        e.g. while the coordinator restarts, pbm reconnects. On a terminal the view is redrawn;
        otherwise one line is printed per update. At the end the results table is printed.

        Options:
          --json   print only the final sweep as JSON when it ends

        """;

    private const string SweepCancel = """
        pbm sweep cancel: stop a sweep. Pending trials are cancelled, running trials are told to stop
        (their slots cancel the job promptly); completed results are kept.

        Usage: pbm sweep cancel ID [--json] [--server URL]

        A sweep that has already finished or was already cancelled is left as it is (exit 1).

        Options:
          --json   print the coordinator's JSON (the cancelled sweep) only

        """;

    private const string SweepShow = """
        pbm sweep show: one sweep: its spec summary, its best trial and a table of every trial.

        Usage: pbm sweep show ID [--json] [--server URL]

        The trial table has one column per parameter and one per metric (the sweep's metric first).
        IDs are listed by pbm sweep list.

        Options:
          --json   print the coordinator's JSON (the sweep with every trial) only

        """;

    private const string Common = """
        Global options (anywhere on the line):
          --server URL   the coordinator's HTTP API; default: the ATELIER_SERVER environment variable,
                         else http://127.0.0.1:9110. A bare HOST:PORT means http://HOST:PORT. A first
                         argument HOST:PORT does the same: pbm 10.0.0.5:9110 sweep list
          --json         print JSON for scripts instead of tables
          -h, --help     show this help (for the command given, if any)
          --version      print pbm's version

        Environment:
          ATELIER_SERVER the default --server
          ATELIER_TOKEN  the coordinator's API token, sent as Authorization: Bearer (required when the
                         coordinator has one, as it must when it listens beyond loopback)

        Exit codes:
          0    success (a sweep whose trials failed is still a success for pbm)
          1    failure: the coordinator is unreachable or answered an error, or the sweep was not found
          2    usage error: unknown command or option, or a missing or invalid spec file; nothing was sent
          130  interrupted (Ctrl+C)

        """;
}
