using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Atelier.Coordinator.Artifacts;

namespace Atelier.Coordinator.Tests.Artifacts;

/// <summary>
/// A stored artifact must survive a power cut once the journal refers to it: its bytes reach the disk before it is
/// renamed into place, and its directory's new entry after. A power cut cannot be staged here, so the test watches the
/// system calls themselves: strace(1) attached to this process records every fsync and rename while an upload (the path
/// of checkpoints) and a put (the path of inputs) are stored.
/// </summary>
public sealed partial class ArtifactDurabilityTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("atelier-durable-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Bytes_reach_the_disk_before_the_rename_and_the_new_name_after_it()
    {
        var store = new ArtifactStore(_root);
        var uploaded = RandomNumberGenerator.GetBytes(100_000);
        var put = RandomNumberGenerator.GetBytes(50_000);
        var uploadedSha = Convert.ToHexStringLower(SHA256.HashData(uploaded));
        var putSha = Convert.ToHexStringLower(SHA256.HashData(put));

        var calls = await TraceAsync(async () =>
        {
            var temp = store.NewTempFile();
            using (var writer = new HashingFileWriter(temp))
            {
                await writer.WriteAsync(uploaded);
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
        if (OperatingSystem.IsLinux()) _ = SetPtracer(PrSetPtracer, PrSetPtracerAny, 0, 0, 0);
        var output = Path.Combine(_root, "strace.txt");
        var start = new ProcessStartInfo("strace")
        {
            ArgumentList = { "-f", "-y", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2", "-o", output, "-p", Environment.ProcessId.ToString() },
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
        using (strace)
        {
            // strace says on stderr when it has attached (one line per thread); the calls before that are not seen.
            var attached = new TaskCompletionSource();
            strace.ErrorDataReceived += (_, e) => { if (e.Data?.Contains("attached", StringComparison.Ordinal) == true) attached.TrySetResult(); };
            strace.BeginErrorReadLine();
            await attached.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(500); // every thread attached, not only the first
            try
            {
                await body();
            }
            finally
            {
                _ = Kill(strace.Id, 2); // SIGINT: strace detaches and writes out what it has
                await strace.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        return File.ReadAllLines(output)
            .Where(l => l.Contains(_root, StringComparison.Ordinal))
            .Select(l => CallPattern().Match(l))
            .Where(m => m.Success)
            .Select(m => new Call(m.Groups["name"].Value,
                PathPattern().Matches(m.Groups["args"].Value).Select(p => p.Groups["path"].Value).Where(p => p.StartsWith(_root, StringComparison.Ordinal)).ToList()))
            .ToList();
    }

    // "12345 fsync(23</tmp/…/tmp/x>) = 0", "12345 rename("/tmp/…/tmp/x", "/tmp/…/sha256/ab/…") = 0"
    [GeneratedRegex(@"^\d+\s+(?<name>\w+)\((?<args>.*)\)\s+=\s+0")]
    private static partial Regex CallPattern();

    [GeneratedRegex("(?:<|\")(?<path>/[^>\"]+)(?:>|\")")]
    private static partial Regex PathPattern();

    private const int PrSetPtracer = 0x59616d61;
    private const nint PrSetPtracerAny = -1;

    [DllImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static extern int SetPtracer(int option, nint arg2, nint arg3, nint arg4, nint arg5);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
