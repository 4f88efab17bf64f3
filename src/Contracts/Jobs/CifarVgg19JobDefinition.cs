using Atelier.Contracts.Specs;

namespace Atelier.Contracts.Jobs;

/// <summary>
/// The definition of the <c>cifar-vgg19</c> job: VGG19 with batch normalisation trained on CIFAR-10
/// (the reference Keras recipe: SGD + Nesterov, step schedule, flips and ±4 px shifts).
/// </summary>
public static class CifarVgg19JobDefinition
{
    public const string Kind = "cifar-vgg19";

    /// <summary>The learning-rate schedules <c>schedule</c> accepts.</summary>
    public static readonly IReadOnlyList<string> Schedules = ["step", "cosine", "onecycle"];

    /// <summary>
    /// <c>recipe=keras</c>: the Keras reference script exactly (BIGBALLON/cifar-10-cnn, <c>Vgg19_keras.py</c>), where this
    /// job's own defaults differ from it: 170 epochs with Keras' epoch-from-0 milestones (lr 0.01 once epoch &gt; 80 and
    /// 0.001 once &gt; 120, i.e. after 81 and 121 completed epochs), its l2(5e-4) as weight decay 1e-3 on the kernels,
    /// the ImageNet mean subtracted with no division, a batch norm on the class scores, and real shifts rounded to whole
    /// pixels (Keras 2.0's order-0 resampling).
    /// The ImageNet start (<c>pretrained</c>) is a file, so it is given apart.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, ParamValue> KerasRecipe = new Dictionary<string, ParamValue>(StringComparer.Ordinal)
    {
        ["epochs"] = ParamValue.Of(170L),
        ["lr_milestones"] = ParamValue.Of("81,121"),
        ["weight_decay"] = ParamValue.Of(1e-3),
        ["weight_decay_scope"] = ParamValue.Of("kernels"),
        ["normalize"] = ParamValue.Of("imagenet"),
        ["head_bn"] = ParamValue.Of(true),
        ["shifts"] = ParamValue.Of("nearest"),
    };

    public static JobDefinition Definition { get; } = new(
        Kind,
        "VGG19 with batch normalisation on CIFAR-10 (real cifar-10-batches-bin/-py data, or a built-in synthetic set "
        + "when 'data' is empty). SGD with Nesterov momentum, weight decay, step/cosine/one-cycle schedule, per-sample "
        + "flip and ±4 px translation on the device. Reports per-epoch losses and accuracies; the sweep metric is test_accuracy.",
        [
            new("recipe", ParamType.String, ParamValue.Of("pytorch"),
                "pytorch = this job's defaults (PyTorch conventions); keras = the Keras reference script exactly: epochs=170, "
                + "lr_milestones=81,121 (its epoch > 80 and > 120), weight_decay=1e-3 (its l2(5e-4)), normalize=imagenet, "
                + "head_bn=true, shifts=nearest. A parameter given explicitly overrides the recipe; add pretrained=FILE for its ImageNet start.",
                Allowed: ["pytorch", "keras"],
                Presets: new Dictionary<string, IReadOnlyDictionary<string, ParamValue>>(StringComparer.Ordinal) { ["keras"] = KerasRecipe }),
            new("data", ParamType.String, ParamValue.Of(""),
                "Folder holding cifar-10-batches-bin/ or cifar-10-batches-py/ (or one of those folders itself); "
                + "empty = the built-in synthetic CIFAR-like dataset. Nothing is ever downloaded."),
            new("epochs", ParamType.Int, ParamValue.Of(164L), "Training epochs (the reference: 164).", Min: 1, Max: 100_000),
            new("batch_size", ParamType.Int, ParamValue.Of(128L), "Mini-batch size.", Min: 1, Max: 1_048_576),
            new("lr", ParamType.Float, ParamValue.Of(0.1), "Base (peak for onecycle) learning rate.",
                Min: 0, MinExclusive: true, Max: 100),
            new("momentum", ParamType.Float, ParamValue.Of(0.9), "SGD momentum.", Min: 0, Max: 1, MaxExclusive: true),
            new("nesterov", ParamType.Bool, ParamValue.Of(true), "Nesterov momentum (needs momentum > 0)."),
            new("weight_decay", ParamType.Float, ParamValue.Of(5e-4),
                "PyTorch SGD weight decay wd: adds wd·w to the gradient. Equals Keras' kernel_regularizer l2(λ) with "
                + "wd = 2λ (the Keras loss being the batch mean plus λ·Σw²).", Min: 0, Max: 1),
            new("weight_decay_scope", ParamType.String, ParamValue.Of("kernels"),
                "Which parameters decay: kernels = conv and linear weights only (as Keras' kernel_regularizer), "
                + "all = every parameter (as a plain PyTorch SGD over model.parameters()).",
                Allowed: ["kernels", "all"]),
            new("schedule", ParamType.String, ParamValue.Of("step"),
                "Learning-rate schedule: step (×lr_gamma at each of lr_milestones), cosine (per-step cosine annealing "
                + "to 0), onecycle (PyTorch OneCycleLR: warm up from lr/25 over 30% of the steps, anneal to lr/25e4).",
                Allowed: Schedules),
            new("lr_milestones", ParamType.String, ParamValue.Of("80,120"),
                "Comma-separated epochs (completed) after which the step schedule multiplies lr by lr_gamma."),
            new("lr_gamma", ParamType.Float, ParamValue.Of(0.1), "Step-schedule factor.",
                Min: 0, MinExclusive: true, Max: 1),
            new("width", ParamType.Float, ParamValue.Of(1.0),
                "Channel multiplier for every layer (1 = the reference VGG19; 0.125 runs on a laptop CPU).",
                Min: 0, MinExclusive: true, Max: 8),
            new("pretrained", ParamType.String, ParamValue.Of(""),
                "torchvision's ImageNet vgg19 state_dict (a .pth written by torch.save, zip or pre-1.6 format, or .safetensors) "
                + "on the worker: the 16 convolutions and fc2 (classifier.3) start from it, as the reference's "
                + "load_weights(by_name=True); the rest He-normal. Needs width 1. Empty = He-normal everywhere. The tensors "
                + "taken are listed in the artifact pretrained.json."),
            new("head_bn", ParamType.Bool, ParamValue.Of(false),
                "A batch norm on the 10 class scores before the softmax, as the Keras reference's Dense 10 → BatchNormalization."),
            new("dropout", ParamType.Float, ParamValue.Of(0.5), "Dropout after each hidden dense layer.",
                Min: 0, Max: 1, MaxExclusive: true),
            new("train_subset", ParamType.Int, ParamValue.Of(0L),
                "Use only the first N training images (0 = all; for synthetic data: generate N, default 50000).",
                Min: 0, Max: 100_000_000),
            new("test_subset", ParamType.Int, ParamValue.Of(0L),
                "Use only the first N test images (0 = all; for synthetic data: generate N, default 10000).",
                Min: 0, Max: 100_000_000),
            new("seed", ParamType.Int, ParamValue.Of(0L), "Seed for initialisation, shuffling, augmentation and dropout."),
            new("augment", ParamType.Bool, ParamValue.Of(true), "Random horizontal flip and ±4 px translation per sample."),
            new("shifts", ParamType.String, ParamValue.Of("whole"),
                "How augment translates: whole = −4..4 whole pixels, evenly; nearest = a uniform real shift in [−4, 4] px "
                + "rounded, as the Keras 2.0 reference's ImageDataGenerator(width_shift_range=0.125) with its order-0 resampling "
                + "(±4 half as often); real = that shift resampled bilinearly, as later Keras (order 1).",
                Allowed: ["whole", "nearest", "real"]),
            new("normalize", ParamType.String, ParamValue.Of("mean_std"),
                "Per-channel input normalisation: mean_std = (x − mean)/std with the training set's statistics, "
                + "mean = x − mean only, imagenet = x − (123.680, 116.779, 103.939) on 0–255 pixels with no division "
                + "(the Keras reference's preprocessing).", Allowed: ["mean_std", "mean", "imagenet"]),
            new("device", ParamType.String, ParamValue.Of("auto"),
                "auto = the slot's device, else CUDA when available, else CPU.", Allowed: ["auto", "cpu", "cuda"]),
            new("tf32", ParamType.Bool, ParamValue.Of(true), "Allow TF32 matmuls and convolutions on CUDA."),
            new("checkpoint_every", ParamType.Int, ParamValue.Of(10L),
                "Write a checkpoint every N epochs and after the last one (0 = none).", Min: 0, Max: 100_000),
            new("keep_checkpoints", ParamType.Int, ParamValue.Of(2L),
                "How many of the newest checkpoints to keep in the work directory.", Min: 1, Max: 100_000),
            new("resume", ParamType.Bool, ParamValue.Of(false),
                "Continue from the newest checkpoint in the work directory (also implied by a resumed trial)."),
            new("layer_views", ParamType.Bool, ParamValue.Of(true),
                "At the end, render what each layer sees (views/*.png): the strongest channels of every block's output for "
                + "four fixed test images, and the test images that most activate four channels of the last block."),
        ],
        ["epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr", "images_per_second"],
        MaxDevices: ResourcesSpec.MaxGpus);
}
