namespace Atelier.Cli;

/// <summary>The help texts: the whole palette, each palette (<c>sweep</c>, <c>cluster</c>, <c>worker</c>), each command, and the prompt's.</summary>
internal static class Usage
{
    /// <summary>Topics that <c>pbm help TOPIC</c> and <c>--help</c> know.</summary>
    public static readonly IReadOnlyList<string> Topics =
        ["", .. CommandCatalog.Palettes, .. CommandCatalog.All.Select(c => c.Topic)];

    /// <summary>One line: how the command is called.</summary>
    public static string Synopsis(string topic) => topic switch
    {
        "sweep submit" => "pbm sweep submit FILE [--wait | --dry-run] [--json] [--server URL]",
        "sweep list" => "pbm sweep list [--json] [--server URL]",
        "sweep show" => "pbm sweep show ID [--metrics A,B | --all-metrics] [--json] [--server URL]",
        "sweep cancel" => "pbm sweep cancel ID [--json] [--server URL]",
        "sweep pause" => "pbm sweep pause ID [--json] [--server URL]",
        "sweep resume" => "pbm sweep resume ID [--json] [--server URL]",
        "sweep extend" => "pbm sweep extend ID FILE [--dry-run] [--json] [--server URL]",
        "sweep logs" => "pbm sweep logs ID [TRIAL] [--json] [--server URL]",
        "sweep artifacts" => "pbm sweep artifacts ID TRIAL [--out DIR] [--json] [--server URL]",
        "sweep report" => "pbm sweep report ID [--out DIR] [--views TRIAL] [--json] [--server URL]",
        "sweep watch" => "pbm sweep watch ID [--json] [--server URL]",
        "sweep" => "pbm sweep (submit FILE [--wait | --dry-run] | list | show ID [--metrics A,B | --all-metrics] | watch ID | cancel ID | pause ID | resume ID | extend ID FILE [--dry-run] | logs ID [TRIAL] | artifacts ID TRIAL [--out DIR] | report ID [--out DIR] [--views TRIAL]) [--json] [--server URL]",
        "cluster show" => "pbm cluster show [--json] [--server URL]",
        "cluster leave" => "pbm cluster leave ADDRESS [--json] [--server URL]",
        "cluster down" => "pbm cluster down ADDRESS [--json] [--server URL]",
        "cluster" => "pbm cluster (show | leave ADDRESS | down ADDRESS) [--json] [--server URL]",
        "worker list" => "pbm worker list [--json] [--server URL]",
        "worker drain" => "pbm worker drain ADDRESS [--json] [--server URL]",
        "worker" => "pbm worker (list | drain ADDRESS) [--json] [--server URL]",
        "completion bash" => "pbm completion bash",
        "completion zsh" => "pbm completion zsh",
        "completion" => "pbm completion (bash | zsh)",
        _ => "pbm [HOST:PORT] COMMAND [OPTIONS]   (commands: sweep submit|list|show|watch|cancel|pause|resume|extend|logs|artifacts|report, cluster show|leave|down, worker list|drain, completion bash|zsh, help; pbm HOST:PORT alone opens a prompt)",
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
        "sweep pause" => SweepPause + "\n" + Common,
        "sweep resume" => SweepResume + "\n" + Common,
        "sweep extend" => SweepExtend + "\n" + Common,
        "sweep logs" => SweepLogs + "\n" + Common,
        "sweep artifacts" => SweepArtifacts + "\n" + Common,
        "sweep report" => SweepReport + "\n" + Common,
        "sweep watch" => SweepWatch + "\n" + Common,
        "sweep" => SweepPalette + "\n" + Common,
        "cluster show" => ClusterShow + "\n" + Common,
        "cluster leave" => ClusterLeave + "\n" + Common,
        "cluster down" => ClusterDown + "\n" + Common,
        "cluster" => ClusterPalette + "\n" + Common,
        "worker list" => WorkerList + "\n" + Common,
        "worker drain" => WorkerDrain + "\n" + Common,
        "worker" => WorkerPalette + "\n" + Common,
        "completion bash" or "completion zsh" or "completion" => CompletionPalette,
        _ => Root + "\n" + CommandList + RootEnd + "\n" + Common,
    };

    /// <summary>What <c>help</c> prints at the interactive prompt, whose commands go to <paramref name="server"/>.</summary>
    public static string Prompt(string server) =>
        $"Commands (as on pbm's command line, without \"pbm\"; they go to {server}):\n" + CommandList + PromptEnd;

    private const string Root = """
        pbm: the Atelier command line. Submit hyperparameter sweeps to a coordinator, read their results,
        and look after the cluster and its GPU workers.

        Usage: pbm [HOST:PORT] COMMAND [OPTIONS]
               pbm HOST:PORT           an interactive prompt against that coordinator (see below)

        Commands:
        """;

    private const string CommandList = """
          sweep submit FILE [--wait]   validate a sweep spec (YAML) locally, upload its input files, submit it
          sweep list                   list the sweeps the coordinator knows
          sweep show ID                one sweep: its best trial and a table of every trial
          sweep watch ID               live progress (trials, best, running trials, ETA) until it ends
          sweep cancel ID              stop a sweep: pending trials are cancelled, running ones stopped
          sweep pause ID               no new trials start; running ones finish (resume ID goes on)
          sweep resume ID              a paused sweep starts trials again
          sweep extend ID FILE         add trials with a wider spec (same job, method, metric); --dry-run
          sweep logs ID [TRIAL]        the sweep's history line by line (one trial's, with its metrics)
          sweep artifacts ID TRIAL     a trial's files (checkpoints, pictures, results); --out DIR downloads them
          sweep report ID              download the report: report.html, report.json, trials.csv (--out DIR,
                                       --views TRIAL: that trial's layer views instead of the best's)
          cluster show                 the cluster's members: address, roles, status, reachability
          cluster leave ADDRESS        ask a live member to leave the cluster gracefully
          cluster down ADDRESS         remove a dead or unreachable member (leave is the graceful way)
          worker list                  every GPU slot: device, state, current trial, utilisation
          worker drain ADDRESS         a worker node finishes its trials and takes no new ones
          completion bash|zsh          a shell completion script: source <(pbm completion bash)

        """;

    private const string RootEnd = """
          help [COMMAND]               help for a command, e.g. pbm help sweep submit

        ADDRESS is a node's cluster address, akka.tcp://atelier@HOST:PORT, as pbm cluster show and
        pbm worker list print it.

        Examples:
          pbm sweep submit examples/synthetic-grid.yaml --wait
          pbm sweep submit examples/style-files.yaml --dry-run
          pbm sweep extend synthetic-grid-20260101-8f3a2c wider-grid.yaml
          pbm sweep artifacts style-weights-20260101-8f3a2c 4 --out ./trial-4
          pbm 10.0.0.5:9110 sweep list
          pbm sweep show synthetic-grid-20260101-8f3a2c --json
          pbm worker drain akka.tcp://atelier@10.0.0.7:4053
          pbm 10.0.0.5:9110            then, at the prompt: cluster show

        Interactive prompt:
          pbm HOST:PORT (or pbm --server URL) with no command opens a prompt, [HOST:PORT] pbm>, that
          runs one command per line against that coordinator, e.g. cluster show or sweep show ID --json
          ("..." quotes a word with spaces). help lists the commands, Tab completes them, Up/Down recall
          earlier lines, Ctrl+C clears the line (or stops the running command), and exit, quit or
          Ctrl+D leaves (exit code 0). A command that fails prints its error and the prompt goes on.
          With input from a pipe or a file, pbm runs its lines the same way and prints no prompt.

        """;

    private const string PromptEnd = """
          help [COMMAND]               help for a command, e.g. help cluster down
          exit, quit                   leave the prompt (so does Ctrl+D on an empty line)

        Options such as --json work as on the command line, e.g. sweep show ID --json; "..." quotes a word
        with spaces. On a terminal, Tab completes commands and Up/Down recall earlier lines.

        """;

    private const string SweepPalette = """
        pbm sweep: submit sweeps and read their results.

        Usage: pbm sweep COMMAND [OPTIONS]

        Commands:
          submit FILE [--wait]   validate a sweep spec (YAML) locally, upload its input files, submit it
          list                   list the sweeps the coordinator knows
          show ID                one sweep: its best trial and a table of every trial
          watch ID               live progress (trials, best, running trials, ETA) until it ends
          cancel ID              stop a sweep: pending trials cancelled, running ones stopped
          pause ID               no new trials start; running ones finish
          resume ID              a paused sweep starts trials again
          extend ID FILE         add trials with a wider spec (same job, method and metric)
          logs ID [TRIAL]        the sweep's history line by line (one trial's, with its metrics)
          artifacts ID TRIAL     a trial's files (checkpoints, pictures, results); --out DIR downloads them
          report ID              download the report: report.html, report.json, trials.csv (--out DIR,
                                 --views TRIAL: that trial's layer views instead of the best's)

        """;

    private const string SweepSubmit = """
        pbm sweep submit: validate a sweep spec locally, then submit it to the coordinator.

        Usage: pbm sweep submit FILE [--wait | --dry-run] [--json] [--server URL]

        The spec is checked before anything is sent: every problem is printed as FILE:line N: field: message
        and pbm exits with 2. On success pbm prints "submitted sweep ID (N trials)".

        Input files: where a job parameter takes a file (style-transfer's content and style), a value that
        is neither builtin:NAME nor sha256:HEX is a local path, relative to the spec's directory. pbm
        uploads each such file once (POST /api/inputs; the coordinator caps the size, 50 MiB by default)
        and submits the spec with sha256:HEX in its place: the coordinator and the workers know inputs only
        by content hash. A missing or unreadable file is a usage error (exit 2; nothing was sent).

        Options:
          --wait      then wait until every trial has finished and print the results (as pbm sweep show);
                      Ctrl+C stops waiting, the sweep keeps running
          --dry-run   upload and submit nothing: print the number of trials, the input files that would be
                      uploaded, and the first 10 trials, as the coordinator would expand them
          --json      print the coordinator's JSON answer only (with --wait: the finished sweep; with
                      --dry-run: {name, job, method, trials, seed, inputs, firstTrials})

        """;

    private const string SweepLogs = """
        pbm sweep logs: a sweep's history, one line per event of its journal, in order: created, each
        trial's attempts (started on which slot, failed with which error, retried, requeued after a lost
        worker, stopped early at which rung, completed with which metrics), the artifacts stored, pauses,
        extensions and cancellation. Complete after any coordinator restart: the journal keeps every event.

        Usage: pbm sweep logs ID [TRIAL] [--json] [--server URL]

        With TRIAL (the trial's index, as pbm sweep show ID lists it): that trial's lines only, with its
        metrics step by step.

        Options:
          --json      print the coordinator's JSON ({sweepId, trial, lines: [{sequence, at, trial, attempt,
                      kind, message}]})

        """;

    private const string SweepArtifacts = """
        pbm sweep artifacts: the files one trial produced, as the coordinator's store holds them:
        checkpoints, previews, results, and the inputs as the job used them (style-transfer:
        inputs/content.png, inputs/style.png).

        Usage: pbm sweep artifacts ID TRIAL [--out DIR] [--json] [--server URL]

        Columns: NAME (the path in the trial's work directory), KIND, SIZE, STEP (the step reached when it
        was written), SHA256. TRIAL is the trial's index, as pbm sweep show ID lists it.

        Options:
          --out DIR   download every artifact into DIR under its name (directories created), each checked
                      against its SHA-256 before it is written; older checkpoints of the same name get their
                      step in the name (checkpoint.step-50.safetensors). Names that would leave DIR are refused.
          --json      print the coordinator's JSON ({sweepId, trial, artifacts: [{name, kind, size, sha256,
                      step}]}); with --out: {directory, files: [{name, path, kind, size, sha256, step}]}

        """;

    private const string SweepReport = """
        pbm sweep report: download a sweep's report: report.html (one self-contained page: summary, best
        trial, charts, pictures for style transfer, what each layer sees, a sortable table of trials;
        opens offline), report.json (the same data; schema docs/report.schema.json) and trials.csv (one
        row per trial). While the sweep runs the report is live (as of now); once it has ended it is final.

        Usage: pbm sweep report ID [--out DIR] [--views TRIAL] [--json] [--server URL]

        Options:
          --out DIR       write the three files into DIR (created if needed; files of the same name are
                          replaced); default: a directory named ID in the current directory
          --views TRIAL   show trial TRIAL's layer views ("what each layer sees": cifar-vgg19 and
                          style-transfer pictures) instead of the best trial's; TRIAL is the trial's index,
                          as pbm sweep show ID lists it (an unknown trial is exit 1)
          --json          print what was written: {sweepId, directory, final, files: [{name, path, size}],
                          views}

        The coordinator serves the same files at GET /api/sweeps/ID/report.html, /report.json and
        /trials.csv; ?views=TRIAL on the first two does what --views does.

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

    private const string SweepPause = """
        pbm sweep pause: pause a sweep. No new trials start; running trials finish and their results are
        kept. pbm sweep resume ID starts trials again.

        Usage: pbm sweep pause ID [--json] [--server URL]

        On success pbm prints "sweep ID paused: running trials finish, no new ones start" and the trial
        counts. A sweep that is already paused, or has already ended, is left as it is: the coordinator's
        message and exit 1.

        Options:
          --json   print the coordinator's JSON (the paused sweep) only

        """;

    private const string SweepResume = """
        pbm sweep resume: a paused sweep starts trials again, where it left off.

        Usage: pbm sweep resume ID [--json] [--server URL]

        On success pbm prints "sweep ID resumed" and the trial counts. A sweep that is not paused is left
        as it is: the coordinator's message and exit 1.

        Options:
          --json   print the coordinator's JSON (the resumed sweep) only

        """;

    private const string SweepExtend = """
        pbm sweep extend: add trials to a sweep, running or ended, with a new spec for it; its history,
        results and best trial are kept. A paused or finished sweep runs again.

        Usage: pbm sweep extend ID FILE [--dry-run] [--json] [--server URL]

        FILE is checked and its input files uploaded exactly as by pbm sweep submit: every problem is
        printed as FILE:line N: field: message and pbm exits with 2 (nothing was sent).

        The spec must have the sweep's job, method and metric. What it adds:
          grid     the configurations of the new grid that the sweep has not run (none runs twice)
          random   the sweep's random sequence continues up to the new run_cap
          bayes    a larger run_cap: the sweep suggests more trials from all its results
        The coordinator refuses another job, method or metric, a spec that adds nothing, and a sweep of
        more than 10,000 trials: its message, exit 1. On success pbm prints "sweep ID extended with N
        trials" and the trial counts.

        Options:
          --dry-run   upload and send nothing (the coordinator is not asked): print the spec's trial
                      count, the input files that would be uploaded and its first 10 trials
          --json      print the coordinator's JSON (the extended sweep) only; with --dry-run: as for
                      pbm sweep submit --dry-run, with "extends": ID

        """;

    private const string SweepShow = """
        pbm sweep show: one sweep: its spec summary, its best trial and a table of every trial.

        Usage: pbm sweep show ID [--metrics A,B | --all-metrics] [--json] [--server URL]

        The trial table has a column per parameter whose value differs between trials (the others
        are listed once, as "fixed") and, by default, the sweep's metric and up to four of the job's
        main metrics. A parameter named like a metric is headed param.NAME. IDs are listed by
        pbm sweep list.

        Options:
          --metrics A,B    these metric columns, in this order (an unknown one lists the known ones)
          --all-metrics    every metric the trials reported
          --json           print the coordinator's JSON (the sweep with every trial) only

        """;

    private const string ClusterPalette = """
        pbm cluster: the Akka.NET cluster behind the coordinator: its members and their state.

        Usage: pbm cluster COMMAND [OPTIONS]

        Commands:
          show            the members: address, roles, status, reachability; marks self and the leader
          leave ADDRESS   ask a live member to leave the cluster gracefully
          down ADDRESS    remove a member that is dead or unreachable (for a live one, use leave)

        ADDRESS is a member's address, akka.tcp://atelier@HOST:PORT, as pbm cluster show prints it.

        """;

    private const string ClusterShow = """
        pbm cluster show: the cluster's members as the coordinator that answers sees them.

        Usage: pbm cluster show [--json] [--server URL]

        Columns: ADDRESS (akka.tcp://atelier@HOST:PORT: what leave and down take), ROLES (coordinator,
        gpu-worker), STATUS (joining, up, leaving, exiting, down, removed, ...), REACHABLE (whether the
        cluster's failure detector reaches it), and a last column that marks self (the coordinator that
        answered) and the leader. Unreachable members, and a missing leader, are reported after the table.

        Options:
          --json   print the coordinator's JSON ({self, leader, members: [{address, roles, status,
                   reachable}]}) only

        """;

    private const string ClusterLeave = """
        pbm cluster leave: ask a live member to leave the cluster gracefully: it moves through leaving
        and exiting to removed (follow it with pbm cluster show). This is the way to take a healthy node
        out, e.g. for maintenance; to let a worker's running trials finish first, drain it beforehand
        with pbm worker drain ADDRESS.

        Usage: pbm cluster leave ADDRESS [--json] [--server URL]

        ADDRESS is the member's address, akka.tcp://atelier@HOST:PORT, as pbm cluster show prints it.
        It is checked before anything is sent (exit 2); an address that is not a member gives exit 1.

        Options:
          --json   print the coordinator's JSON ({address, message}) only

        """;

    private const string ClusterDown = """
        pbm cluster down: mark a member down. This is for a node that is dead or unreachable (crashed,
        powered off, cut off by the network: REACHABLE no in pbm cluster show), so that the cluster stops
        waiting for it and moves on; trials it was running are requeued when their leases expire.
        Do not down a healthy node: pbm cluster leave ADDRESS is the graceful way to take a live node
        out. A downed node cannot come back without a restart.

        Usage: pbm cluster down ADDRESS [--json] [--server URL]

        ADDRESS is the member's address, akka.tcp://atelier@HOST:PORT, as pbm cluster show prints it.
        It is checked before anything is sent (exit 2); an address that is not a member gives exit 1.

        Options:
          --json   print the coordinator's JSON ({address, message}) only

        """;

    private const string CompletionPalette = """
        pbm completion: a completion script for your shell, made from pbm's own commands and options.

        Usage: pbm completion bash     e.g. in ~/.bashrc: source <(pbm completion bash)
               pbm completion zsh      e.g. in ~/.zshrc:  source <(pbm completion zsh)

        Tab then completes palettes, commands and options, and file names for FILE and DIR.

        """;

    private const string WorkerPalette = """
        pbm worker: the GPU worker nodes and their slots (one slot per device).

        Usage: pbm worker COMMAND [OPTIONS]

        Commands:
          list            every slot: node, device, state, current sweep and trial, step, utilisation
          drain ADDRESS   a worker node finishes its trials and takes no new ones (to free its GPUs)

        ADDRESS is a worker node's address, akka.tcp://atelier@HOST:PORT, as pbm worker list prints it.

        """;

    private const string WorkerList = """
        pbm worker list: every slot of every worker node that has reported lately, one row per slot.

        Usage: pbm worker list [--json] [--server URL]

        Columns: NODE (the node's address: what drain takes), SLOT, DEVICE, STATE (idle, busy, drained,
        or busy (draining)), SWEEP and TRIAL (what it runs, with the attempt when it is a retry), STEP (the
        last step reported), UTIL (the share of the last minute or so the slot spent busy). After the
        table, a line names each draining node.

        Options:
          --json   print the coordinator's JSON (a list of {node, draining, slots: [{slotId, device,
                   state, sweepId, trialIndex, attempt, step, utilisation, lastSeen}]}) only

        """;

    private const string WorkerDrain = """
        pbm worker drain: a worker node finishes the trials it is running and takes no new ones, e.g. to
        free its GPUs for something else; the other workers carry on with the sweeps. Its slots show
        busy (draining), then drained, in pbm worker list. Once drained, the node can be stopped or taken
        out with pbm cluster leave ADDRESS.

        Usage: pbm worker drain ADDRESS [--json] [--server URL]

        ADDRESS is the node's address, akka.tcp://atelier@HOST:PORT, as the NODE column of pbm worker list
        shows it. It is checked before anything is sent (exit 2); a node that has reported no slots
        gives exit 1.

        Options:
          --json   print the coordinator's JSON ({node, slots, message}) only

        """;

    private const string Common = """
        Global options (anywhere on the line):
          --server URL   the coordinator's HTTP API; default: the ATELIER_SERVER environment variable,
                         else "server" in the config file, else http://127.0.0.1:9110. A bare HOST:PORT
                         means http://HOST:PORT. A first argument HOST:PORT does the same:
                         pbm 10.0.0.5:9110 sweep list
          --json         print JSON for scripts instead of tables
          -h, --help     show this help (for the command given, if any)
          --version      print pbm's version

        Environment:
          ATELIER_SERVER the default --server
          ATELIER_TOKEN  the coordinator's API token, sent as Authorization: Bearer (required when the
                         coordinator has one, as it must when it listens beyond loopback); default:
                         "token" in the config file
          ATELIER_CONFIG the config file; default: $XDG_CONFIG_HOME/atelier/pbm.json when XDG_CONFIG_HOME
                         is set, else ~/.config/atelier/pbm.json

        Config file (optional, JSON; both settings optional):
          {"server": "10.0.0.5:9110", "token": "..."}
          A config file that pbm cannot read or understand is a usage error (exit 2), naming the file.

        Exit codes:
          0    success (a sweep whose trials failed is still a success for pbm)
          1    failure: the coordinator is unreachable, answered an error or refused the request (e.g.
               pausing a paused sweep), or the sweep, member or worker was not found
          2    usage error: unknown command or option, an invalid ADDRESS or ID, a missing or invalid
               spec file, or a bad config file; nothing was sent
          130  interrupted (Ctrl+C)

        """;
}
