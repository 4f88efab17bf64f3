using Atelier.Contracts.Specs;

namespace Atelier.Contracts.Jobs;

/// <summary>The definition of the <c>synthetic</c> job (see <see cref="SyntheticObjective"/>).</summary>
internal static class SyntheticJobDefinition
{
    public const string Kind = "synthetic";

    public static JobDefinition Definition { get; } = new(
        Kind,
        "Closed-form objective for testing sweeps without a GPU: "
        + "loss = (x − 0.3)² + (y + 0.2)² + (log10(lr) + 2)², minimum 0 at x = 0.3, y = −0.2, lr = 0.01. "
        + "Reports loss every step (it falls linearly to the final loss), sleeping step_seconds per step. "
        + "Its final metrics include devices, the number of devices the trial was given (resources.gpus).",
        [
            new("x", ParamType.Float, ParamValue.Of(0.0), "First coordinate; the loss is smallest at x = 0.3."),
            new("y", ParamType.Float, ParamValue.Of(0.0), "Second coordinate; the loss is smallest at y = −0.2."),
            new("lr", ParamType.Float, ParamValue.Of(0.001),
                "Learning rate; the loss term is (log10(lr) + 2)², smallest at lr = 0.01.",
                Min: 0, MinExclusive: true),
            new("steps", ParamType.Int, ParamValue.Of(10L), "Number of steps; one loss metric per step.",
                Min: 1, Max: 1_000_000),
            new("step_seconds", ParamType.Float, ParamValue.Of(0.0),
                "Seconds to sleep per step, to mimic a slow job.", Min: 0, Max: 3600),
            new("fail_probability", ParamType.Float, ParamValue.Of(0.0),
                "Probability that a step throws, to exercise retries.", Min: 0, Max: 1),
            new("seed", ParamType.Int, ParamValue.Of(0L), "Seed for the failure draws."),
            new("checkpoint_every", ParamType.Int, ParamValue.Of(0L),
                "Write a checkpoint (the step reached) every this many steps; 0 = never. A resumed attempt continues after the newest.",
                Min: 0, Max: 1_000_000),
            new("nan_at_step", ParamType.Int, ParamValue.Of(0L),
                "Report a NaN loss from this step on (0 = never), as a diverging run would, to exercise failure handling.",
                Min: 0, Max: 1_000_000),
            new("checkpoint_bytes", ParamType.Int, ParamValue.Of(0L),
                "Pad each checkpoint to about this many bytes (pseudo-random, different at each step), to exercise checkpoint streaming with realistic sizes.",
                Min: 0, Max: 4L << 30),
        ],
        ["loss"],
        StepsParameter: "steps",
        MaxDevices: ResourcesSpec.MaxGpus);
}
