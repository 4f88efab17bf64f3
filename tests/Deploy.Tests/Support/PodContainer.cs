using System.Diagnostics;
using System.Globalization;

namespace Atelier.Deploy.Tests.Support;

/// <summary>
/// One pod of a rendered workload run as a podman container, with what the manifest gives its container: image,
/// command and arguments, environment (ConfigMaps, Secrets and the downward API resolved as the kubelet would), user
/// and group, read-only root, dropped capabilities, no privilege escalation, memory limit, and its volumes as
/// directories of the test (an fsGroup volume belongs to that group, group-writable, as the kubelet leaves it).
/// </summary>
public sealed class PodContainer
{
    private readonly Rendered _rendered;
    private readonly Node _container;
    private readonly Node _pod;

    public PodContainer(Rendered rendered, Node workload, string podName, string ip, string volumesRoot)
    {
        _rendered = rendered;
        _pod = Rendered.PodSpec(workload);
        _container = Rendered.Containers(workload).Single(Rendered.IsAtelier);
        Name = podName;
        Ip = ip;
        VolumesRoot = Path.Combine(volumesRoot, podName);
    }

    public string Name { get; }

    public string Ip { get; }

    public string VolumesRoot { get; }

    /// <summary>The image as podman names an image built here (<c>localhost/…</c>).</summary>
    public string Image => "localhost/" + _container["image"].Text;

    /// <summary>
    /// The container's environment; <paramref name="overrides"/> replaces values that point outside the test (each
    /// replacement is the caller's to justify).
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var env = _rendered.Environment(_container, Name, Ip).ToDictionary(kv => kv.Key, kv => kv.Value.Value);
        foreach (var (name, value) in overrides ?? new Dictionary<string, string>()) env[name] = value;
        return env;
    }

    /// <summary><c>podman create</c>'s arguments for this pod on <paramref name="network"/>.</summary>
    public IReadOnlyList<string> CreateArguments(string network, IReadOnlyDictionary<string, string> env, IEnumerable<(string Host, string Ip)> hosts)
    {
        var security = _pod["securityContext"];
        var own = _container["securityContext"];
        var user = own["runAsUser"].Text ?? security["runAsUser"].Text ?? throw new InvalidOperationException($"{Name}: no runAsUser");
        var group = own["runAsGroup"].Text ?? security["runAsGroup"].Text ?? user;
        var args = new List<string>
        {
            "create", "--name", Name, "--hostname", Name, "--network", network, "--ip", Ip,
            "--user", $"{user}:{group}", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
        };
        if (security["fsGroup"].Text is { } fsGroup) args.AddRange(["--group-add", fsGroup]);
        if (own["readOnlyRootFilesystem"].Text == "true") args.Add("--read-only");
        if (own["allowPrivilegeEscalation"].Text == "false") args.AddRange(["--security-opt", "no-new-privileges"]);
        foreach (var cap in own.At("capabilities/drop").Items) args.AddRange(["--cap-drop", cap.Text!]);
        if (_container.At("resources/limits/memory").Text is { } memory) args.AddRange(["--memory", PodmanMemory(memory)]);
        foreach (var (host, ip) in hosts) args.AddRange(["--add-host", $"{host}:{ip}"]);
        foreach (var (name, value) in env) args.AddRange(["--env", $"{name}={value}"]);
        foreach (var mount in _container["volumeMounts"].Items)
            args.AddRange(["--volume", $"{Volume(mount["name"].Text!, security["fsGroup"].Text)}:{mount["mountPath"].Text}"]);
        if (_container["command"].Items.Select(i => i.Text!).ToList() is { Count: > 0 } command)
            args.AddRange(["--entrypoint", command[0]]);
        args.Add(Image);
        args.AddRange(_container["command"].Items.Skip(1).Select(i => i.Text!));
        args.AddRange(_container["args"].Items.Select(i => i.Text!));
        return args;
    }

    /// <summary>A pod volume: a directory kept across restarts of the container, as emptyDir and PVC volumes are.</summary>
    private string Volume(string name, string? fsGroup)
    {
        var dir = Path.Combine(VolumesRoot, name);
        if (Directory.Exists(dir)) return dir;
        Directory.CreateDirectory(dir);
        if (fsGroup is not null)
        {
            Repo.Check("chgrp", [fsGroup, dir]);
            Repo.Check("chmod", ["2775", dir]);
        }
        return dir;
    }

    /// <summary>The readiness probe's answer now: its HTTP GET (2xx or 3xx) or its command's exit code 0.</summary>
    public async Task<bool> ReadyAsync(HttpClient http, CancellationToken ct)
    {
        var probe = _container["readinessProbe"];
        if (probe["httpGet"].Exists)
        {
            var port = probe.At("httpGet/port").Text!;
            var number = int.TryParse(port, CultureInfo.InvariantCulture, out var n) ? n : ContainerPort(port);
            try
            {
                using var response = await http.GetAsync($"http://{Ip}:{number}{probe.At("httpGet/path").Text}", ct);
                return (int)response.StatusCode is >= 200 and < 400;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }
        var exec = probe.At("exec/command").Items.Select(i => i.Text!).ToList();
        return Podman.Run(["exec", Name, .. exec]).ExitCode == 0;
    }

    /// <summary>The port the manifest declares under <paramref name="name"/>.</summary>
    public int ContainerPort(string name) =>
        int.Parse(_container["ports"].Items.Single(p => p["name"].Text == name)["containerPort"].Text!, CultureInfo.InvariantCulture);

    /// <summary>The preStop hook's command, when the manifest has one.</summary>
    public IReadOnlyList<string> PreStop => _container.At("lifecycle/preStop/exec/command").Items.Select(i => i.Text!).ToList();

    /// <summary>The grace period the kubelet gives the container between SIGTERM and SIGKILL.</summary>
    public int TerminationGraceSeconds => int.Parse(_pod["terminationGracePeriodSeconds"].Text ?? "30", CultureInfo.InvariantCulture);

    private static string PodmanMemory(string quantity) =>
        quantity.EndsWith("Gi", StringComparison.Ordinal) ? quantity[..^2] + "g"
        : quantity.EndsWith("Mi", StringComparison.Ordinal) ? quantity[..^2] + "m"
        : quantity;
}

/// <summary>
/// podman as root with runc and explicit limits: on these machines crun and runc both fail to raise a container's
/// limits to their defaults, and explicit ones work.
/// </summary>
public static class Podman
{
    public static (int ExitCode, string Output, string Error) Run(IEnumerable<string> args, TimeSpan? timeout = null) =>
        Repo.Run("podman", ["--runtime", "runc", .. args], timeout: timeout ?? TimeSpan.FromMinutes(2));

    public static string Check(IEnumerable<string> args, TimeSpan? timeout = null) =>
        Repo.Check("podman", ["--runtime", "runc", .. args], timeout ?? TimeSpan.FromMinutes(2));

    /// <summary>The last lines of a container's log, for a failure message.</summary>
    public static string LogTail(string container, int lines = 80)
    {
        var (_, output, error) = Run(["logs", "--tail", lines.ToString(CultureInfo.InvariantCulture), container]);
        // Without control characters (a console logger's colours): they have no place in a test failure's message.
        var text = new string((output + error).Where(c => c is '\n' or '\t' || !char.IsControl(c)).ToArray());
        return $"--- {container}:\n{text}";
    }

    /// <summary>Seconds since <paramref name="started"/>, for the start-time figures.</summary>
    public static double Since(Stopwatch started) => Math.Round(started.Elapsed.TotalSeconds, 1);
}
