using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// Checkpoints as PyTorch zip-format files (what <c>torch.save</c> writes; <c>torch.load(path)</c> reads them, also
/// with <c>weights_only=True</c>), one dict:
/// <c>model</c> (the state_dict), <c>optimizer</c> (PyTorch SGD's state_dict layout: <c>state</c> {index:
/// {momentum_buffer}}, <c>param_groups</c>), <c>scheduler</c>, <c>epoch</c> (completed), <c>rng</c>,
/// <c>normalization</c>, <c>options</c> and <c>history</c> (the per-epoch metrics so far).
/// Files are written under a temporary name and renamed, so a checkpoint on disk is always complete.
/// </summary>
public static partial class CifarCheckpoint
{
    public const string Format = "atelier/cifar-vgg19/1";

    public static string FileName(int epoch) => $"epoch-{epoch:D4}.pt";

    /// <summary>The newest checkpoint in <paramref name="directory"/>, or null.</summary>
    public static string? Latest(string directory) => List(directory).Select(x => x.Path).LastOrDefault();

    /// <summary>Checkpoint files in <paramref name="directory"/>, oldest epoch first.</summary>
    public static IReadOnlyList<(int Epoch, string Path)> List(string directory) =>
        !Directory.Exists(directory)
            ? []
            : Directory.EnumerateFiles(directory, "epoch-*.pt")
                .Select(f => (Match: Name().Match(Path.GetFileName(f)), Path: f))
                .Where(x => x.Match.Success)
                .Select(x => (int.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture), x.Path))
                .OrderBy(x => x.Item1)
                .ToList();

    [GeneratedRegex(@"^epoch-(\d{1,9})\.pt$")]
    private static partial Regex Name();

    /// <summary>Writes the trainer's state after <paramref name="epoch"/> completed epochs to <paramref name="path"/>.</summary>
    public static void Save(string path, CifarTrainer trainer, int epoch, IReadOnlyList<IReadOnlyDictionary<string, double>> history)
    {
        using var scope = NewDisposeScope();
        var o = trainer.Options;
        var document = new Hashtable
        {
            ["format"] = Format,
            ["epoch"] = epoch,
            ["model"] = ToHashtable(trainer.Model.state_dict()),
            ["optimizer"] = OptimizerState(trainer, epoch),
            ["scheduler"] = new Hashtable
            {
                ["schedule"] = o.Schedule,
                ["base_lrs"] = new ArrayList { o.Lr },
                ["milestones"] = new ArrayList(o.LrMilestones.ToArray()),
                ["gamma"] = o.LrGamma,
                ["epochs"] = o.Epochs,
                ["steps_per_epoch"] = trainer.StepsPerEpoch,
                ["last_epoch"] = epoch,
                ["_last_lr"] = new ArrayList { trainer.Schedule.At(Math.Max(0, epoch - 1), trainer.StepsPerEpoch - 1) },
            },
            ["rng"] = new Hashtable
            {
                ["scheme"] = "initial weights from seed; dropout and augmentation generators of the trial's own, reseeded from (seed, epoch) at each epoch start",
                ["seed"] = o.Seed,
            },
            ["normalization"] = new Hashtable
            {
                ["mean"] = new ArrayList(trainer.Pipeline.Mean.ToArray()),
                ["std"] = new ArrayList(trainer.Pipeline.Std.ToArray()),
                ["mode"] = o.Normalize,
            },
            ["options"] = new Hashtable
            {
                ["width"] = o.Width, ["dropout"] = o.Dropout, ["batch_size"] = o.BatchSize, ["lr"] = o.Lr,
                ["momentum"] = o.Momentum, ["nesterov"] = o.Nesterov, ["weight_decay"] = o.WeightDecay,
                ["weight_decay_scope"] = o.WeightDecayScope, ["seed"] = o.Seed, ["augment"] = o.Augment,
                ["head_bn"] = o.HeadBatchNorm, ["shifts"] = o.Shifts,
                ["train_images"] = trainer.Pipeline.TrainCount, ["test_images"] = trainer.Pipeline.TestCount,
            },
            ["history"] = new ArrayList(history.Select(h => new Hashtable(h.ToDictionary(kv => kv.Key, kv => (object)kv.Value))).ToArray()),
        };

        var temporary = path + ".tmp";
        using (var stream = File.Create(temporary))
            PyTorchPickler.PickleStateDict(stream, document, leaveOpen: false);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Restores model, optimizer momentum and progress from <paramref name="path"/> into <paramref name="trainer"/>;
    /// returns the completed epochs and the metric history.
    /// </summary>
    /// <exception cref="CifarDataException">The file is not such a checkpoint or does not fit this model.</exception>
    public static (int Epoch, List<IReadOnlyDictionary<string, double>> History) Load(string path, CifarTrainer trainer)
    {
        Hashtable document;
        try
        {
            using var stream = File.OpenRead(path);
            document = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CifarDataException($"checkpoint {path}: cannot read it: {e.Message}");
        }

        var loaded = new List<Tensor>();
        try
        {
            if (document["format"] as string != Format)
                throw new CifarDataException($"checkpoint {path}: not a {Format} checkpoint");
            if (document["options"] is Hashtable opts)
            {
                if (opts["width"] is double width && width != trainer.Options.Width)
                    throw new CifarDataException($"checkpoint {path}: written with width={width}, this run has width={trainer.Options.Width}");
                var head = opts["head_bn"] as bool? ?? false; // checkpoints from before head_bn have none
                if (head != trainer.Options.HeadBatchNorm)
                    throw new CifarDataException($"checkpoint {path}: written with head_bn={head.ToString().ToLowerInvariant()}, this run has {trainer.Options.HeadBatchNorm.ToString().ToLowerInvariant()}");
                if (opts["weight_decay_scope"] is string scope && scope != trainer.Options.WeightDecayScope)
                    throw new CifarDataException(
                        $"checkpoint {path}: written with weight_decay_scope={scope}, this run has {trainer.Options.WeightDecayScope} (the optimizer state would not fit)");
            }

            if (document["normalization"] is Hashtable { } normalization && normalization["mode"] is string mode && mode != trainer.Options.Normalize)
                throw new CifarDataException($"checkpoint {path}: written with normalize={mode}, this run has {trainer.Options.Normalize} (the weights saw other inputs)");
            var model = (Hashtable)document["model"]!;
            var state = new Dictionary<string, Tensor>();
            foreach (DictionaryEntry entry in model)
            {
                var t = (Tensor)entry.Value!;
                loaded.Add(t);
                state[(string)entry.Key] = t;
            }
            trainer.Model.load_state_dict(state, strict: true);

            var momentum = (Hashtable)((Hashtable)document["optimizer"]!)["state"]!;
            for (var i = 0; i < trainer.Optimizer.Parameters.Count; i++)
            {
                if (momentum[i] is not Hashtable { } entry || entry["momentum_buffer"] is not Tensor buffer) continue;
                loaded.Add(buffer);
                trainer.Optimizer.LoadMomentum(i, buffer);
            }

            var epoch = Convert.ToInt32(document["epoch"], CultureInfo.InvariantCulture);
            var history = ((ArrayList)document["history"]!).Cast<Hashtable>()
                .Select(h => (IReadOnlyDictionary<string, double>)h.Cast<DictionaryEntry>()
                    .ToDictionary(e => (string)e.Key, e => Convert.ToDouble(e.Value, CultureInfo.InvariantCulture)))
                .ToList();
            return (epoch, history);
        }
        catch (Exception e) when (e is InvalidCastException or NullReferenceException or KeyNotFoundException or ArgumentException)
        {
            throw new CifarDataException($"checkpoint {path}: does not fit this model: {e.Message}");
        }
        finally
        {
            foreach (var t in loaded) t.Dispose();
        }
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints.</summary>
    public static void Prune(string directory, int keep)
    {
        var all = List(directory);
        foreach (var (_, path) in all.Take(Math.Max(0, all.Count - keep))) File.Delete(path);
    }

    private static Hashtable ToHashtable(Dictionary<string, Tensor> stateDict)
    {
        var table = new Hashtable();
        foreach (var (name, t) in stateDict) table[name] = CpuCopy(t);
        return table;
    }

    /// <summary>PyTorch <c>SGD.state_dict()</c>: parameters numbered across groups, decayed group first.</summary>
    private static Hashtable OptimizerState(CifarTrainer trainer, int epoch)
    {
        var o = trainer.Options;
        var sgd = trainer.Optimizer;
        var state = new Hashtable();
        if (sgd.HasStepped && sgd.Momentum != 0)
        {
            for (var i = 0; i < sgd.Parameters.Count; i++)
                state[i] = new Hashtable { ["momentum_buffer"] = CpuCopy(sgd.MomentumBuffer(i)) };
        }

        var groups = new ArrayList();
        var lr = trainer.Schedule.At(Math.Max(0, epoch - 1), trainer.StepsPerEpoch - 1);
        foreach (var (from, count, decay) in new[] { (0, sgd.DecayedCount, sgd.WeightDecay), (sgd.DecayedCount, sgd.Parameters.Count - sgd.DecayedCount, 0.0) })
        {
            if (count == 0) continue;
            groups.Add(new Hashtable
            {
                ["lr"] = lr,
                ["initial_lr"] = o.Lr,
                ["momentum"] = sgd.Momentum,
                ["dampening"] = 0.0,
                ["weight_decay"] = decay,
                ["nesterov"] = sgd.Nesterov,
                ["maximize"] = false,
                ["foreach"] = null,
                ["differentiable"] = false,
                ["fused"] = null,
                ["params"] = new ArrayList(Enumerable.Range(from, count).ToArray()),
            });
        }
        return new Hashtable { ["state"] = state, ["param_groups"] = groups };
    }

    /// <summary>
    /// A contiguous CPU copy with storage offset 0: parameters are views into one flat buffer, and the torch.save
    /// layout would otherwise record their offset into a storage that holds only their own elements.
    /// </summary>
    internal static Tensor CpuCopy(Tensor t) => t.detach().to(CPU).clone();
}
