using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Atelier.Testing;

/// <summary>
/// The PostgreSQL server the tests use: <c>ATELIER_TEST_POSTGRES</c> when it is set; otherwise a private server of this
/// test process, made from the installed server binaries (Debian's <c>postgresql</c> package puts them under
/// <c>/usr/lib/postgresql/VERSION/bin</c>) in a temporary directory, on a free loopback port, and stopped when the
/// process exits. Nothing has to be running beforehand, and the machine's own cluster is never touched. As root the
/// server runs as the <c>postgres</c> user (PostgreSQL refuses to run as root).
/// </summary>
/// <remarks>
/// The server is a daemon, so a test process killed with SIGKILL (a CI timeout, a developer's ^\) cannot stop it. Each
/// server's directory therefore names its owner (<see cref="OwnerFile"/>: process id and start time), and the next test
/// process to start a server first stops and deletes every server whose owner is gone (<see cref="ReapOrphans"/>).
/// </remarks>
public static class PrivatePostgres
{
    public const string Variable = "ATELIER_TEST_POSTGRES";
    private const string Database = "atelier_test";
    private const string User = "atelier";

    private static readonly Lazy<string> Server = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static string? _bin;

    /// <summary>In each server's directory: "PID STARTTIME" of the process that owns it (STARTTIME from /proc/PID/stat).</summary>
    public const string OwnerFile = "owner";

    /// <summary>Where the private servers' directories are made (<c>atelier-postgres-*</c>).</summary>
    public static string Parent => Path.GetTempPath();

    /// <summary>A connection string to a database the tests may use; starts the private server on first use.</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given ? given : Server.Value;

    private static string Start()
    {
        _bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL's server binaries are needed by the journal tests and were not found under /usr/lib/postgresql/*/bin: " +
            $"install them (apt-get install postgresql; no server needs to run) or set {Variable} to a server's connection string");
        ReapOrphans(Parent);
        var root = Directory.CreateTempSubdirectory("atelier-postgres-").FullName;
        var port = StartServer(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(root);

        var builder = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = User, Database = "postgres", Pooling = false };
        using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
            create.ExecuteNonQuery();
        }
        builder.Database = Database;
        builder.Pooling = true;
        return builder.ConnectionString;
    }

    /// <summary>
    /// Makes and starts a server in <paramref name="root"/>, owned by this process; returns its port. Its superuser is
    /// <paramref name="user"/> (default <c>atelier</c>); with a <paramref name="password"/>, TCP connections must give it
    /// (SCRAM), otherwise every connection is trusted.
    /// </summary>
    public static int StartServer(string root, string? user = null, string? password = null)
    {
        _bin ??= FindBinaries() ?? throw new InvalidOperationException("PostgreSQL's server binaries were not found under /usr/lib/postgresql/*/bin");
        // Written whole under another name first: a reaper reading a half-written owner would take the server for an orphan.
        var owner = Path.Combine(root, OwnerFile);
        File.WriteAllText(owner + ".new", Owner(Environment.ProcessId) ?? throw new InvalidOperationException("/proc/self/stat is unreadable"));
        File.Move(owner + ".new", owner);
        var asRoot = Environment.UserName == "root";
        if (asRoot) Run("chown", ["-R", "postgres", root], null);
        var port = FreePorts.Next();
        string[] auth = ["--auth=trust"];
        if (password is not null)
        {
            var file = Path.Combine(root, "password");
            File.WriteAllText(file, password + "\n");
            auth = ["--auth-local=trust", "--auth-host=scram-sha-256", $"--pwfile={file}"];
        }
        RunServerTool("initdb", ["-D", Path.Combine(root, "data"), "-U", user ?? User, .. auth, "-E", "UTF8", "--no-sync"], asRoot);
        // fsync off: a test server never survives its machine; loopback only, the socket in the private directory.
        RunServerTool("pg_ctl", ["-D", Path.Combine(root, "data"), "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "start",
            "-o", $"-p {port.ToString(CultureInfo.InvariantCulture)} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"], asRoot);
        return port;
    }

    /// <summary>
    /// Stops and deletes every private server under <paramref name="parent"/> whose owning process has exited (or whose
    /// process id now belongs to a process started at another time); returns their directories.
    /// </summary>
    public static IReadOnlyList<string> ReapOrphans(string parent)
    {
        var reaped = new List<string>();
        foreach (var root in Directory.GetDirectories(parent, "atelier-postgres-*"))
        {
            string owner;
            try
            {
                owner = File.ReadAllText(Path.Combine(root, OwnerFile)).Trim();
            }
            catch (IOException)
            {
                continue; // a directory from before owner files, or one being made right now: not provably an orphan
            }
            catch (UnauthorizedAccessException)
            {
                continue; // another user's
            }
            var pid = int.TryParse(owner.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
            if (pid > 0 && Owner(pid) == owner) continue;
            _bin ??= FindBinaries();
            Stop(root);
            reaped.Add(root);
        }
        return reaped;
    }

    /// <summary>"PID STARTTIME" of a running process, null when there is none with that id.</summary>
    private static string? Owner(int pid)
    {
        try
        {
            // The start time (field 22) follows the command name, which is in parentheses and may hold spaces.
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return $"{pid.ToString(CultureInfo.InvariantCulture)} {fields[19]}";
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Stops the server in <paramref name="root"/> (made by <see cref="StartServer"/>) and deletes its directory.</summary>
    public static void Stop(string root)
    {
        var data = Path.Combine(root, "data");
        if (_bin is not null && ServerRuns(data))
        {
            try
            {
                RunServerTool("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"], Environment.UserName == "root");
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string? FindBinaries() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;

    /// <summary>
    /// Whether the postmaster that <c>postmaster.pid</c> names is alive and serves <paramref name="data"/>: after a reboot
    /// the file is stale and its pid may be any process's, which pg_ctl stop would signal.
    /// </summary>
    private static bool ServerRuns(string data)
    {
        try
        {
            var pid = File.ReadLines(Path.Combine(data, "postmaster.pid")).First().Trim();
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0').Contains(data);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return false;
        }
    }

    private static void RunServerTool(string tool, IReadOnlyList<string> args, bool asRoot)
    {
        var path = Path.Combine(_bin!, tool);
        if (asRoot) Run("runuser", ["-u", "postgres", "--", path, .. args], null);
        else Run(path, args, null);
    }

    private static void Run(string file, IReadOnlyList<string> args, string? workingDirectory)
    {
        // stdin too: xunit v3's runner talks to the test process over its stdin and stdout, which a child must not share.
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "/",
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} did not finish within 120 s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result.Trim()} {stdout.Result.Trim()}");
    }
}
