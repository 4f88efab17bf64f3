using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Atelier.Testing;

namespace Atelier.CheckpointBench;

/// <summary>
/// Checkpoint streaming through the production path against a raw loopback TCP copy of the same bytes, in one run.
/// A real coordinator and one real worker: the <c>synthetic</c> job writes checkpoints of the given size
/// (<c>checkpoint_bytes</c>), the slot sends each to the coordinator (one HTTP PUT, or a StreamRef of 64 KiB chunks over
/// remoting: the coordinator's <c>--artifact-transport</c>), which writes it to
/// a temporary file, checks size and SHA-256 and moves it into the store, and logs how long that took from the offer.
/// Then this process copies each of the same files over a plain loopback TCP socket into a file on the same disk.
/// </summary>
internal static class StreamBench
{
    private const int MiB = 1 << 20;

    /// <summary>Each transport (the coordinator's <c>--artifact-transport</c>) in a cluster of its own, one after the other.</summary>
    /// <param name="tls">For each transport, a cluster without mutual TLS on remoting (false), with it (true), or both.</param>
    public static async Task<StreamResult> RunAsync(int[] sizesMiB, int reps, string[] transports, bool[] tls, TextWriter output, CancellationToken ct)
    {
        var rows = new List<StreamRow>();
        foreach (var transport in transports)
        foreach (var withTls in tls)
            rows.AddRange(await RunAsync(sizesMiB, reps, transport, withTls, output, ct));
        return new StreamResult("stream", rows);
    }

    private static async Task<List<StreamRow>> RunAsync(int[] sizesMiB, int reps, string transport, bool withTls, TextWriter output, CancellationToken ct)
    {
        using var certificates = withTls ? new TestCertificateAuthority("checkpoint-bench-ca") : null;
        var certificateDirectory = withTls ? Directory.CreateTempSubdirectory("atelier-bench-tls-").FullName : null;
        try
        {
            string[] tlsArguments = certificates is null ? [] : TestCertificateAuthority.Arguments(certificates.WriteNode(certificateDirectory!, "node"));
            return await RunAsync(sizesMiB, reps, transport, withTls, tlsArguments, output, ct);
        }
        finally
        {
            if (certificateDirectory is not null) Directory.Delete(certificateDirectory, recursive: true);
        }
    }

    private static async Task<List<StreamRow>> RunAsync(
        int[] sizesMiB, int reps, string transport, bool withTls, string[] tlsArguments, TextWriter output, CancellationToken ct)
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Name = "checkpoint-bench", Workers = 1, SlotsPerWorker = 1,
            CoordinatorArguments = ["--artifact-transport", transport, .. tlsArguments], WorkerArguments = tlsArguments,
        }, ct);
        var label = withTls ? transport + "+tls" : transport;
        var rows = new List<StreamRow>();
        output.WriteLine($"checkpoint upload over {label}: sizes {string.Join(", ", sizesMiB)} MiB, {reps} checkpoints each; load average {Stats.LoadAverage():0.0}");
        foreach (var size in sizesMiB)
        {
            // Each step sleeps before writing its checkpoint, so the previous upload has the machine to itself.
            var stepSeconds = Math.Max(2.0, size / 16.0);
            var spec = string.Create(CultureInfo.InvariantCulture, $$"""
                name: checkpoint-bench-{{size}}mib
                job: synthetic
                method: grid
                metric: {name: loss, goal: minimize}
                checkpoints: {keep_last: {{reps}}}
                parameters:
                  x: {value: 0.3}
                  steps: {value: {{reps}}}
                  step_seconds: {value: {{stepSeconds}}}
                  checkpoint_every: {value: 1}
                  checkpoint_bytes: {value: {{(long)size * MiB}}}
                """);
            var id = (await cluster.SubmitAsync(spec, ct)).Id;
            await cluster.WaitForSweepAsync(id, TimeSpan.FromMinutes(15), cancellationToken: ct, interval: TimeSpan.FromSeconds(1));

            var streamed = Regex.Matches(cluster.Coordinator.ReadLog(),
                    $@"artifact (\S+) of {id} trial 0: (\d+) bytes received, verified and stored in ([\d.]+) s")
                .Select(m => (File: m.Groups[1].Value, Bytes: long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                    Seconds: double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)))
                .ToList();
            if (streamed.Count != reps)
                throw new InvalidOperationException($"expected {reps} streamed checkpoints of sweep {id}, the coordinator logged {streamed.Count}");

            var work = Path.Combine(cluster.Directory, "worker-1", "trials", id, "trial-00000", "attempt-1");
            var tcp = new List<double>();
            var hashes = new List<double>();
            foreach (var (file, bytes, _) in streamed)
            {
                var path = Path.Combine(work, file);
                tcp.Add(bytes / await TcpCopySecondsAsync(path, Path.Combine(cluster.Directory, "tcp-copy"), ct) / 1e6);
                hashes.Add(bytes / HashSeconds(path) / 1e6);
            }
            var row = new StreamRow(label, size, reps, streamed.Select(s => s.Bytes / s.Seconds / 1e6).ToList(), tcp, hashes,
                Stats.Median(streamed.Select(s => s.Bytes / s.Seconds / 1e6)), Stats.Median(tcp), Stats.Median(hashes), Stats.LoadAverage());
            rows.Add(row);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {size,5} MiB over {label}: {row.StreamedMBps,7:0.0} MB/s (each: {string.Join(", ", row.Streamed.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)))}), " +
                $"raw TCP {row.TcpMBps,7:0.0} MB/s (each: {string.Join(", ", row.Tcp.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)))}), " +
                $"ratio {row.Ratio:0.00} (to the fastest copy {row.RatioToFastest:0.00}); SHA-256 alone (bytes in memory) {row.Sha256MBps:0} MB/s; load {row.LoadAverage:0.0}"));
        }
        return rows;
    }

    /// <summary>Sends the file over a loopback TCP connection to a listener that writes it to a file; seconds until written.</summary>
    private static async Task<double> TcpCopySecondsAsync(string source, string directory, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var target = Path.Combine(directory, Guid.NewGuid().ToString("N"));
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var watch = Stopwatch.StartNew();
            var receive = Task.Run(async () =>
            {
                using var client = await listener.AcceptTcpClientAsync(ct);
                await using var network = client.GetStream();
                await using var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                await network.CopyToAsync(file, 1 << 16, ct);
            }, ct);
            using (var sender = new TcpClient())
            {
                await sender.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, ct);
                await using var network = sender.GetStream();
                await using var file = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                await file.CopyToAsync(network, 1 << 16, ct);
                sender.Client.Shutdown(SocketShutdown.Send);
                await receive;
            }
            var seconds = watch.Elapsed.TotalSeconds;
            if (new FileInfo(target).Length != new FileInfo(source).Length) throw new InvalidOperationException("the TCP copy is incomplete");
            return seconds;
        }
        finally
        {
            listener.Stop();
            File.Delete(target);
        }
    }

    /// <summary>
    /// The time spent hashing the file's bytes in 1 MiB blocks through an <see cref="IncrementalHash"/>, as the coordinator
    /// does for an upload over HTTP (over remoting it hashes 64 KiB chunks), reading them not counted: the cost the hash
    /// adds to an upload whose bytes are already in memory. Wall time: a busy machine lowers the rate.
    /// </summary>
    private static double HashSeconds(string path)
    {
        var block = new byte[1 << 20];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        var hashing = new Stopwatch();
        int read;
        while ((read = stream.ReadAtLeast(block, block.Length, throwOnEndOfStream: false)) > 0)
        {
            hashing.Start();
            hash.AppendData(block.AsSpan(0, read));
            hashing.Stop();
        }
        hash.GetHashAndReset();
        return hashing.Elapsed.TotalSeconds;
    }
}

internal sealed record StreamRow(string Transport, int SizeMiB, int Checkpoints, IReadOnlyList<double> Streamed, IReadOnlyList<double> Tcp, IReadOnlyList<double> Sha256,
    double StreamedMBps, double TcpMBps, double Sha256MBps, double LoadAverage)
{
    /// <summary>The median upload's rate over the median raw copy's.</summary>
    public double Ratio => StreamedMBps / TcpMBps;

    /// <summary>
    /// The median upload's rate over the fastest raw copy's: the stricter figure when the raw copies vary (on the VM this
    /// was measured on, the three raw copies of 256 MiB of one run ran at 420, 532 and 1,454 MB/s).
    /// </summary>
    public double RatioToFastest => StreamedMBps / Tcp.Max();
}

internal sealed record StreamResult(string Mode, IReadOnlyList<StreamRow> Sizes);
