using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Atelier.Coordinator.Artifacts;
using Atelier.Testing;

namespace Atelier.Coordinator.Tests.Artifacts;

/// <summary>
/// A stored artifact must survive a power cut once the journal refers to it: its bytes reach the disk before it is
/// renamed into place, and its directory's new entry after. A power cut cannot be staged here, so the test watches the
/// system calls themselves: strace(1) attached to this process records every fsync and rename while an upload (the path
/// of checkpoints) and a put (the path of inputs) are stored.
/// </summary>
[Collection(nameof(ArtifactDurabilityTests))] // alone: strace slows every thread of the process while it is attached
public sealed partial class ArtifactDurabilityTests : IDisposable
{
    // strace prints paths resolved; a temporary directory behind a symbolic link must match them.
    private readonly string _root = RealPath(Directory.CreateTempSubdirectory("atelier-durable-").FullName);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Bytes_reach_the_disk_before_the_rename_and_the_new_name_after_it()
    {
        var store = new ArtifactStore(_root);
        // Large enough for the writer to flush in the background while the chunks come (every 32 MiB).
        var uploaded = RandomNumberGenerator.GetBytes(40 << 20);
        var put = RandomNumberGenerator.GetBytes(50_000);
        var uploadedSha = Convert.ToHexStringLower(SHA256.HashData(uploaded));
        var putSha = Convert.ToHexStringLower(SHA256.HashData(put));

        var calls = await TraceAsync(async () =>
        {
            var temp = store.NewTempFile();
            using (var writer = new HashingFileWriter(temp))
            {
                for (var offset = 0; offset < uploaded.Length; offset += 1 << 20)
                    await writer.WriteAsync(uploaded.AsMemory(offset, 1 << 20));
                Assert.Null(store.Commit(temp, writer.Finish(), uploadedSha, uploaded.Length));
            }
            var result = await store.PutAsync(new MemoryStream(put), 1 << 20, putSha, TestContext.Current.CancellationToken);
            Assert.Null(result.Problem);
        });

        foreach (var sha in new[] { uploadedSha, putSha })
        {
            var target = store.PathOf(sha);
            var rename = calls.FindIndex(c => c.Name.StartsWith("rename", StringComparison.Ordinal) && c.Paths.Contains(target));
            Assert.True(rename >= 0, $"no rename to {target} among the calls:\n{string.Join('\n', calls)}");
            var temp = calls[rename].Paths[0];
            Assert.True(calls.Take(rename).Any(c => c.IsFsync && c.Paths.Contains(temp)),
                $"{temp} was renamed into place before its bytes were flushed:\n{string.Join('\n', calls)}");
            if (sha == uploadedSha)
                Assert.True(calls.Take(rename).Count(c => c.IsFsync && c.Paths.Contains(temp)) >= 2,
                    $"{temp} was flushed fewer than twice before its rename: no flush in the background while its chunks came:\n{string.Join('\n', calls)}");
            foreach (var directory in new[] { Path.GetDirectoryName(target)!, Path.GetDirectoryName(Path.GetDirectoryName(target))! })
                Assert.True(calls.Skip(rename + 1).Any(c => c.IsFsync && c.Paths.Contains(directory)),
                    $"the directory {directory} was not flushed after the rename of {target}:\n{string.Join('\n', calls)}");
        }
    }

    /// <summary>One system call strace saw with a path under the store: its name and the paths in its arguments.</summary>
    private sealed record Call(string Name, List<string> Paths)
    {
        public bool IsFsync => Name is "fsync" or "fdatasync";

        public override string ToString() => $"{Name}({string.Join(", ", Paths)})";
    }

    /// <summary>Runs <paramref name="body"/> with strace attached to every thread of this process; the calls under the store.</summary>
    private async Task<List<Call>> TraceAsync(Func<Task> body)
    {
        // Yama's default (ptrace_scope 1) lets a process trace only its descendants; this lets strace, a child, trace us.
        _ = SetPtracer(PrSetPtracer, PrSetPtracerAny, 0, 0, 0);
        var output = Path.Combine(_root, "strace.txt");
        var start = new ProcessStartInfo("strace")
        {
            // Every fsync and rename system call, by whatever name the architecture has (arm64 has no rename(2)).
            ArgumentList = { "-f", "-y", "-e", "trace=/^(rename(at2?)?|f(data)?sync)$", "-o", output, "-p", Environment.ProcessId.ToString() },
            RedirectStandardError = true,
        };
        Process strace;
        try
        {
            strace = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("this test needs strace(1) (test.sh installs it: apt-get install strace)", e);
        }
        var said = new System.Collections.Concurrent.ConcurrentQueue<string>();
        try
        {
            using (strace)
            {
                // With -f, strace attaches every thread of the process, then says so once on stderr (and follows new threads).
                var attached = new TaskCompletionSource();
                strace.ErrorDataReceived += (_, e) =>
                {
                    if (e.Data is null) return;
                    said.Enqueue(e.Data);
                    if (e.Data.Contains("attached", StringComparison.Ordinal)) attached.TrySetResult();
                };
                strace.BeginErrorReadLine();
                try
                {
                    await Task.WhenAny(attached.Task, strace.WaitForExitAsync()).WaitAsync(TimeSpan.FromSeconds(30));
                    if (!attached.Task.IsCompleted) throw new TimeoutException();
                    await body();
                }
                catch (TimeoutException e)
                {
                    throw new InvalidOperationException($"strace did not attach to this process: {string.Join(" / ", said)}", e);
                }
                finally
                {
                    _ = ClusterProcess.Signals.Kill(strace.Id, ClusterProcess.Signals.Interrupt); // detaches and writes out what it has
                    await strace.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                }
            }
        }
        finally
        {
            _ = SetPtracer(PrSetPtracer, 0, 0, 0, 0);
        }
        return Calls(File.ReadAllLines(output));
    }

    /// <summary>
    /// The successful calls of strace's output with a path under the store, in order. A call that another thread
    /// interrupted is printed in two parts ("… &lt;unfinished ...&gt;", later "&lt;... NAME resumed&gt; …"), joined here by pid.
    /// </summary>
    private List<Call> Calls(IEnumerable<string> lines)
    {
        var pending = new Dictionary<string, string>();
        var calls = new List<Call>();
        foreach (var line in lines)
        {
            var text = line;
            if (UnfinishedPattern().Match(text) is { Success: true } unfinished)
            {
                pending[unfinished.Groups["pid"].Value] = unfinished.Groups["head"].Value;
                continue;
            }
            if (ResumedPattern().Match(text) is { Success: true } resumed)
            {
                if (!pending.Remove(resumed.Groups["pid"].Value, out var head)) continue;
                text = $"{resumed.Groups["pid"].Value} {head}{resumed.Groups["tail"].Value}";
            }
            if (!text.Contains(_root, StringComparison.Ordinal) || CallPattern().Match(text) is not { Success: true } call) continue;
            calls.Add(new Call(call.Groups["name"].Value,
                PathPattern().Matches(call.Groups["args"].Value).Select(p => p.Groups["path"].Value).Where(p => p.StartsWith(_root, StringComparison.Ordinal)).ToList()));
        }
        return calls;
    }

    /// <summary>The path with every symbolic link along it resolved, as the kernel names it.</summary>
    private static string RealPath(string path)
    {
        var current = "/";
        foreach (var part in Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            current = new DirectoryInfo(next).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? next;
        }
        return current;
    }

    // "12345 fsync(23</tmp/…/tmp/x>) = 0", "12345 rename("/tmp/…/tmp/x", "/tmp/…/sha256/ab/…") = 0"
    [GeneratedRegex(@"^\d+\s+(?<name>\w+)\((?<args>.*)\)\s+=\s+0")]
    private static partial Regex CallPattern();

    // "12345 fsync(23</tmp/…> <unfinished ...>" and "12345 <... fsync resumed>) = 0"
    [GeneratedRegex(@"^(?<pid>\d+)\s+(?<head>.*) <unfinished \.\.\.>$")]
    private static partial Regex UnfinishedPattern();

    [GeneratedRegex(@"^(?<pid>\d+)\s+<\.\.\. \w+ resumed>(?<tail>.*)$")]
    private static partial Regex ResumedPattern();

    [GeneratedRegex("(?:<|\")(?<path>/[^>\"]+)(?:>|\")")]
    private static partial Regex PathPattern();

    private const int PrSetPtracer = 0x59616d61;
    private const nint PrSetPtracerAny = -1;

    [DllImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static extern int SetPtracer(int option, nint arg2, nint arg3, nint arg4, nint arg5);
}

[CollectionDefinition(nameof(ArtifactDurabilityTests), DisableParallelization = true)]
public sealed class ArtifactDurabilityCollection;
