using System.Globalization;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>The checked hyperparameters of one <c>cifar-vgg19</c> run (immutable).</summary>
public sealed record CifarOptions
{
    public string Data { get; init; } = "";
    public int Epochs { get; init; } = 164;
    public int BatchSize { get; init; } = 128;
    public double Lr { get; init; } = 0.1;
    public double Momentum { get; init; } = 0.9;
    public bool Nesterov { get; init; } = true;
    public double WeightDecay { get; init; } = 5e-4;
    public string WeightDecayScope { get; init; } = "kernels";
    public string Schedule { get; init; } = "step";
    public IReadOnlyList<int> LrMilestones { get; init; } = [80, 120];
    public double LrGamma { get; init; } = 0.1;
    public double Width { get; init; } = 1.0;
    public double Dropout { get; init; } = 0.5;
    public string Pretrained { get; init; } = "";
    public bool HeadBatchNorm { get; init; }
    public int TrainSubset { get; init; }
    public int TestSubset { get; init; }
    public long Seed { get; init; }
    public bool Augment { get; init; } = true;
    public string Shifts { get; init; } = "whole";
    public string Normalize { get; init; } = "mean_std";
    public string Device { get; init; } = "auto";
    public bool Tf32 { get; init; } = true;
    public int CheckpointEvery { get; init; } = 10;
    public int KeepCheckpoints { get; init; } = 2;
    public bool Resume { get; init; }
    public bool LayerViews { get; init; } = true;

    /// <summary>Reads the options from checked job parameters; the few checks the definition cannot express happen here.</summary>
    /// <exception cref="JobParameterException">A value is malformed or inconsistent, named in the message.</exception>
    public static CifarOptions From(JobParameters p)
    {
        var options = new CifarOptions
        {
            Data = p.String("data"),
            Epochs = p.Int("epochs"),
            BatchSize = p.Int("batch_size"),
            Lr = p.Double("lr"),
            Momentum = p.Double("momentum"),
            Nesterov = p.Bool("nesterov"),
            WeightDecay = p.Double("weight_decay"),
            WeightDecayScope = p.String("weight_decay_scope"),
            Schedule = p.String("schedule"),
            LrMilestones = ParseMilestones(p.String("lr_milestones")),
            LrGamma = p.Double("lr_gamma"),
            Width = p.Double("width"),
            Dropout = p.Double("dropout"),
            Pretrained = p.String("pretrained"),
            HeadBatchNorm = p.Bool("head_bn"),
            TrainSubset = p.Int("train_subset"),
            TestSubset = p.Int("test_subset"),
            Seed = p.Long("seed"),
            Augment = p.Bool("augment"),
            Shifts = p.String("shifts"),
            Normalize = p.String("normalize"),
            Device = p.String("device"),
            Tf32 = p.Bool("tf32"),
            CheckpointEvery = p.Int("checkpoint_every"),
            KeepCheckpoints = p.Int("keep_checkpoints"),
            Resume = p.Bool("resume"),
            LayerViews = p.Bool("layer_views"),
        };
        if (options.Nesterov && options.Momentum <= 0)
            throw new JobParameterException("parameter nesterov = true needs momentum > 0 (momentum is 0); set nesterov=false or a momentum");
        return options;
    }

    /// <summary>Parses <c>"80,120"</c>: strictly increasing positive epochs; empty means no steps.</summary>
    public static IReadOnlyList<int> ParseMilestones(string text)
    {
        var result = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var m) || m < 1)
                throw new JobParameterException($"parameter lr_milestones = '{text}': '{part}' is not a positive whole number of epochs");
            if (result.Count > 0 && m <= result[^1])
                throw new JobParameterException($"parameter lr_milestones = '{text}': milestones must be strictly increasing");
            result.Add(m);
        }
        return result;
    }

    /// <summary>Channels of a layer with <paramref name="reference"/> channels at width 1: rounded, at least 1.</summary>
    public static int Scale(int reference, double width) => Math.Max(1, (int)Math.Round(reference * width, MidpointRounding.AwayFromZero));
}
