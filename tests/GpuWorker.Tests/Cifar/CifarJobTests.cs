using System.Collections;
using System.IO.Compression;
using System.Text.Json;
using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Jobs.Cifar;
using Atelier.GpuWorker.Standalone;
using Atelier.Contracts.Jobs;
using Atelier.Contracts.Specs;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Tests.Cifar;

/// <summary>The <c>cifar-vgg19</c> job end to end on a tiny model: outputs, checkpoints, resume, bad input.</summary>
public sealed class CifarJobTests : IDisposable
{
    private static readonly string[] Tiny =
        ["width=0.03125", "epochs=3", "train_subset=64", "test_subset=32", "batch_size=16", "checkpoint_every=1", "lr=0.02"];

    private static readonly HashSet<string> Timings = ["images_per_second", "epoch_seconds"];

    private readonly string _dir = Directory.CreateTempSubdirectory("atelier-cifar-job-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Run_writes_metrics_per_epoch_result_checkpoints_and_weights()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = RunCommand.Execute(["cifar-vgg19", .. Tiny.SelectMany(p => new[] { "-p", p }), "--out", _dir],
            JobRegistry.Default(), output, error, CancellationToken.None);

        Assert.True(code == 0, error.ToString());
        var lines = File.ReadAllLines(Path.Combine(_dir, "metrics.jsonl"));
        Assert.Equal(3, lines.Length);
        for (var i = 0; i < 3; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            Assert.Equal(i + 1, line.RootElement.GetProperty("step").GetInt32());
            Assert.Equal(i + 1, line.RootElement.GetProperty("epoch").GetDouble());
            foreach (var field in new[] { "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr", "images_per_second" })
                Assert.True(double.IsFinite(line.RootElement.GetProperty(field).GetDouble()), field);
        }
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "result.json")));
        var metrics = result.RootElement.GetProperty("metrics");
        Assert.InRange(metrics.GetProperty("test_accuracy").GetDouble(), 0, 1);
        Assert.InRange(metrics.GetProperty("test_accuracy_class_0").GetDouble(), 0, 1);
        Assert.Equal(0.03125, result.RootElement.GetProperty("parameters").GetProperty("width").GetDouble());

        // keep_checkpoints = 2: epochs 2 and 3 remain.
        Assert.Equal(new[] { "epoch-0002.pt", "epoch-0003.pt" },
            Directory.GetFiles(Path.Combine(_dir, "checkpoints")).Select(f => Path.GetFileName(f)).Order().ToArray());
        using var model = new Vgg19Cifar(0.03125);
        model.load_safetensors(Path.Combine(_dir, "model.safetensors"));
    }

    [Fact]
    public void Checkpoint_is_a_pytorch_zip_with_model_optimizer_scheduler_epoch_and_rng()
    {
        Run(Params(), _dir, resume: false, new Recorder());
        var path = Path.Combine(_dir, "checkpoints", "epoch-0003.pt");

        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal));
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/version", StringComparison.Ordinal));
        }
        var document = PyTorchUnpickler.UnpickleStateDict(path);
        Assert.Equal(CifarCheckpoint.Format, document["format"]);
        Assert.Equal(3, Convert.ToInt32(document["epoch"]));
        using var model = new Vgg19Cifar(0.03125);
        var model_ = (Hashtable)document["model"]!;
        Assert.Equal(model.state_dict().Keys.Order(), model_.Keys.Cast<string>().Order());
        var optimizer = (Hashtable)document["optimizer"]!;
        var groups = (ArrayList)optimizer["param_groups"]!;
        Assert.Equal(2, groups.Count); // decayed kernels, then biases and BatchNorm
        Assert.Equal(0.0005, (double)((Hashtable)groups[0]!)["weight_decay"]!);
        Assert.Equal(true, ((Hashtable)groups[0]!)["nesterov"]);
        var state = (Hashtable)optimizer["state"]!;
        Assert.Equal(model.parameters().Count(), state.Count);
        Assert.IsType<Tensor>(((Hashtable)state[0]!)["momentum_buffer"], exactMatch: false);
        Assert.Equal("step", ((Hashtable)document["scheduler"]!)["schedule"]);
        Assert.Contains("reseeded from (seed, epoch)", (string)((Hashtable)document["rng"]!)["scheme"]!);
        Assert.Equal(3, ((ArrayList)document["history"]!).Count);
    }

    [Theory]
    [InlineData("whole")]
    [InlineData("nearest")]
    [InlineData("real")]
    public void A_run_resumed_after_epoch_2_ends_with_the_metrics_of_an_uninterrupted_run(string shifts)
    {
        JobParameters Params() => CifarJobTests.Params(("shifts", ParamValue.Of(shifts)));
        var whole = new Recorder();
        var wholeResult = Run(Params(), Path.Combine(_dir, "whole"), resume: false, whole);

        // Interrupted: cancelled as soon as the epoch-2 checkpoint is reported, then resumed in the same directory.
        var interruptedDir = Path.Combine(_dir, "interrupted");
        using var cancel = new CancellationTokenSource();
        var first = new Recorder { OnCheckpoint = step => { if (step == 2) cancel.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => Run(Params(), interruptedDir, resume: false, first, cancel.Token));
        Assert.Equal(new long[] { 1, 2 }, first.Steps);
        var second = new Recorder();
        var resumedResult = Run(Params(), interruptedDir, resume: true, second);

        Assert.Equal(new long[] { 3 }, second.Steps);
        Assert.Equal(Deterministic(whole.Reported[2]), Deterministic(second.Reported[0]));
        Assert.Equal(Deterministic(wholeResult.FinalMetrics), Deterministic(resumedResult.FinalMetrics));
    }

    [Fact]
    public void The_keras_recipe_runs_the_reference_settings_and_result_json_shows_them()
    {
        var error = new StringWriter();
        var code = RunCommand.Execute(
            ["cifar-vgg19", "-p", "recipe=keras", "-p", "width=0.03125", "-p", "epochs=1", "-p", "train_subset=32", "-p", "test_subset=16",
             "-p", "batch_size=16", "-p", "checkpoint_every=1", "--out", _dir],
            JobRegistry.Default(), new StringWriter(), error, CancellationToken.None);

        Assert.True(code == 0, error.ToString());
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "result.json")));
        var parameters = result.RootElement.GetProperty("parameters");
        Assert.Equal(1, parameters.GetProperty("epochs").GetInt64()); // given: overrides the recipe's 170
        Assert.Equal("81,121", parameters.GetProperty("lr_milestones").GetString());
        Assert.Equal("imagenet", parameters.GetProperty("normalize").GetString());
        Assert.Equal("nearest", parameters.GetProperty("shifts").GetString());
        Assert.True(parameters.GetProperty("head_bn").GetBoolean());
        // The model has the reference's head: a batch norm over the 10 class scores.
        var checkpoint = (Hashtable)PyTorchUnpickler.UnpickleStateDict(File.OpenRead(Path.Combine(_dir, "checkpoints", "epoch-0001.pt")))["model"]!;
        Assert.Equal(new long[] { 10 }, ((Tensor)checkpoint["classifier.9.running_mean"]!).shape);
    }

    [Fact]
    public void Resuming_with_another_head_or_normalisation_is_refused_naming_both()
    {
        string[] run = ["cifar-vgg19", "-p", "width=0.03125", "-p", "train_subset=32", "-p", "test_subset=16", "-p", "batch_size=16", "-p", "checkpoint_every=1"];
        Assert.Equal(0, RunCommand.Execute([.. run, "-p", "epochs=1", "--out", _dir], JobRegistry.Default(), new StringWriter(), new StringWriter(), CancellationToken.None));

        var head = new StringWriter();
        Assert.Equal(1, RunCommand.Execute([.. run, "-p", "epochs=2", "-p", "head_bn=true", "--out", _dir, "--resume"], JobRegistry.Default(), new StringWriter(), head, CancellationToken.None));
        Assert.Contains("epoch-0001.pt: written with head_bn=false, this run has true", head.ToString());

        var normalize = new StringWriter();
        Assert.Equal(1, RunCommand.Execute([.. run, "-p", "epochs=2", "-p", "normalize=imagenet", "--out", _dir, "--resume"], JobRegistry.Default(), new StringWriter(), normalize, CancellationToken.None));
        Assert.Contains("written with normalize=mean_std, this run has imagenet", normalize.ToString());
    }

    [Fact]
    public async Task A_trial_beside_others_in_the_same_process_reports_what_it_reports_alone()
    {
        // Dropout on: initial weights, masks and augmentation all draw random numbers.
        var parameters = Params(("dropout", ParamValue.Of(0.5)));
        var alone = new Recorder();
        var aloneResult = Run(parameters, Path.Combine(_dir, "alone"), resume: false, alone);

        // Another trial on the worker's other slot: it seeds and draws from torch's process-wide generator meanwhile.
        using var stop = new CancellationTokenSource();
        var neighbour = Task.Run(() =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                torch.random.manual_seed(i);
                using var noise = torch.randn(64, 64);
            }
        });
        var beside = new Recorder();
        JobResult besideResult;
        try
        {
            besideResult = Run(parameters, Path.Combine(_dir, "beside"), resume: false, beside);
        }
        finally
        {
            stop.Cancel();
            await neighbour;
        }

        Assert.Equal(alone.Reported.Select(Deterministic), beside.Reported.Select(Deterministic));
        Assert.Equal(Deterministic(aloneResult.FinalMetrics), Deterministic(besideResult.FinalMetrics));
    }

    [Fact]
    public void Memory_stays_flat_across_epochs()
    {
        var options = CifarOptions.From(Params());
        using var data = CifarDataLoader.Load("", options.TrainSubset, options.TestSubset);
        using var pipeline = new CifarPipeline(data, CPU, augment: true, normalize: "mean_std");
        using var trainer = new CifarTrainer(options, pipeline);
        trainer.TrainEpoch(0, CancellationToken.None);
        trainer.Evaluate();
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var epoch = 1; epoch < 4; epoch++)
        {
            trainer.TrainEpoch(epoch, CancellationToken.None);
            trainer.Evaluate();
        }

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Theory]
    [InlineData("colour=red", 2, "unknown parameter 'colour'")]
    [InlineData("lr=0", 2, "parameter lr = 0: must be > 0")]
    [InlineData("lr=-1", 2, "parameter lr")]
    [InlineData("width=0", 2, "parameter width = 0: must be > 0")]
    [InlineData("batch_size=0", 2, "parameter batch_size = 0: must be >= 1")]
    [InlineData("schedule=linear", 2, "must be one of step, cosine, onecycle")]
    [InlineData("lr_milestones=80;120", 1, "lr_milestones")]
    [InlineData("data=/nonexistent/cifar", 1, "/nonexistent/cifar does not exist")]
    public void Bad_input_fails_with_a_message_naming_it_and_writes_no_result(string parameter, int exitCode, string message)
    {
        var error = new StringWriter();

        var code = RunCommand.Execute(["cifar-vgg19", "-p", "width=0.03125", "-p", "epochs=1", "-p", "train_subset=32", "-p", parameter, "--out", _dir],
            JobRegistry.Default(), new StringWriter(), error, CancellationToken.None);

        Assert.Equal(exitCode, code);
        Assert.Contains(message, error.ToString());
        Assert.False(File.Exists(Path.Combine(_dir, "result.json")));
    }

    [Fact]
    public void Bad_dataset_file_fails_the_run_naming_the_file()
    {
        var batches = CifarFixtures.WriteDataset(Path.Combine(_dir, "data", "cifar-10-batches-bin"), true, [4], 2);
        File.AppendAllText(Path.Combine(batches, "data_batch_1.bin"), "x");
        var error = new StringWriter();
        var outDir = Path.Combine(_dir, "out");

        var code = RunCommand.Execute(["cifar-vgg19", "-p", $"data={Path.Combine(_dir, "data")}", "-p", "width=0.03125", "-p", "epochs=1", "--out", outDir],
            JobRegistry.Default(), new StringWriter(), error, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Contains(Path.Combine(batches, "data_batch_1.bin"), error.ToString());
        Assert.Contains("not a multiple of 3073", error.ToString());
        Assert.False(File.Exists(Path.Combine(outDir, "result.json")));
    }

    [Fact]
    public void Trains_on_python_cifar_batches()
    {
        var batches = CifarFixtures.WriteDataset(Path.Combine(_dir, "cifar-10-batches-py"), false, [40, 24], 16);
        var recorder = new Recorder();

        var result = Run(Params(("data", ParamValue.Of(batches)), ("epochs", ParamValue.Of(1L))), Path.Combine(_dir, "run"), false, recorder);

        Assert.Single(recorder.Reported);
        Assert.InRange(result.FinalMetrics["test_accuracy"], 0, 1);
    }

    private static JobParameters Params(params (string Name, ParamValue Value)[] overrides)
    {
        var given = Tiny.Select(p => p.Split('=')).ToDictionary(
            kv => kv[0],
            kv => ParamValue.Parse(kv[1], CifarVgg19JobDefinition.Definition.Find(kv[0])!.Type));
        foreach (var (name, value) in overrides) given[name] = value;
        return new JobParameters(CifarVgg19JobDefinition.Definition, given);
    }

    private static JobResult Run(JobParameters parameters, string dir, bool resume, Recorder recorder, CancellationToken ct = default)
    {
        Directory.CreateDirectory(dir);
        return new CifarVgg19TrainingJob().Run(new JobContext("test", 1, parameters, dir, recorder, resume, ct, ["cpu"]));
    }

    private static SortedDictionary<string, double> Deterministic(IReadOnlyDictionary<string, double> metrics) =>
        new(metrics.Where(kv => !Timings.Contains(kv.Key)).ToDictionary());

    private sealed class Recorder : IJobReporter
    {
        public List<long> Steps { get; } = [];

        public List<IReadOnlyDictionary<string, double>> Reported { get; } = [];

        public Action<long>? OnCheckpoint { get; init; }

        public void Metrics(long step, IReadOnlyDictionary<string, double> values)
        {
            Steps.Add(step);
            Reported.Add(values);
        }

        public void Artifact(string kind, string path) { }

        public void Checkpoint(long step, string path) => OnCheckpoint?.Invoke(step);
    }
}
