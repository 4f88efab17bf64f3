using Atelier.Contracts.Jobs;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Tests.Specs.SpecTestHelpers;

namespace Atelier.Shared.Tests.Jobs;

public class JobCatalogTests
{
    [Fact]
    public void Synthetic_is_in_the_catalog_with_its_parameters_in_order()
    {
        Assert.True(JobCatalog.TryGet("synthetic", out var job));
        Assert.Same(JobCatalog.Synthetic, job);
        Assert.Contains(job, JobCatalog.All);
        Assert.Equal(["x", "y", "lr", "steps", "step_seconds", "fail_probability", "seed", "checkpoint_every", "nan_at_step", "checkpoint_bytes"], job.Parameters.Select(p => p.Name));
        Assert.Equal(["loss"], job.Metrics);
        Assert.Contains("x = 0.3", job.Summary);
        Assert.False(JobCatalog.TryGet("Synthetic", out _));
    }

    [Fact]
    public void Every_default_passes_its_own_check()
    {
        foreach (var job in JobCatalog.All)
        {
            foreach (var p in job.Parameters.Where(p => p.Default is not null))
                Assert.True(p.Check(p.Default!.Value) is null, $"{job.Kind}.{p.Name} default {p.Default} fails: {p.Check(p.Default.Value)}");
        }
    }

    [Fact]
    public void Every_recipe_names_known_parameters_with_values_that_pass_their_checks()
    {
        foreach (var job in JobCatalog.All)
            foreach (var p in job.Parameters.Where(p => p.Presets is not null))
                foreach (var (recipe, preset) in p.Presets!)
                {
                    Assert.Contains(recipe, p.Allowed!);
                    foreach (var (name, value) in preset)
                    {
                        var target = job.Find(name);
                        Assert.True(target is not null, $"{job.Kind} {p.Name}={recipe} sets unknown parameter {name}");
                        Assert.True(target!.Check(value) is null, $"{job.Kind} {p.Name}={recipe}: {name} = {value} fails: {target.Check(value)}");
                    }
                }
    }

    [Fact]
    public void The_keras_recipe_sets_the_reference_and_an_explicit_value_overrides_it()
    {
        var job = CifarVgg19JobDefinition.Definition;
        var keras = job.Resolve(new Dictionary<string, ParamValue> { ["recipe"] = ParamValue.Of("keras"), ["epochs"] = ParamValue.Of(3L) });
        Assert.Equal(3, keras["epochs"].AsLong());
        Assert.Equal("81,121", keras["lr_milestones"].AsString());
        Assert.Equal(1e-3, keras["weight_decay"].AsDouble());
        Assert.Equal("imagenet", keras["normalize"].AsString());
        Assert.True(keras["head_bn"].AsBool());
        Assert.Equal("nearest", keras["shifts"].AsString());
        Assert.Equal(0.1, keras["lr"].AsDouble()); // the same in both: the job's default

        var plain = job.Resolve(new Dictionary<string, ParamValue>());
        Assert.Equal(164, plain["epochs"].AsLong());
        Assert.Equal("80,120", plain["lr_milestones"].AsString());
        Assert.Equal("mean_std", plain["normalize"].AsString());
        Assert.False(plain["head_bn"].AsBool());
        Assert.Equal("whole", plain["shifts"].AsString());
    }

    [Fact]
    public void Check_explains_type_and_range_problems()
    {
        var job = JobCatalog.Synthetic;
        Assert.Equal("must be > 0", job.Find("lr")!.Check(ParamValue.Of(0.0)));
        Assert.Null(job.Find("lr")!.Check(ParamValue.Of(1e-9)));
        Assert.Equal("must be an integer", job.Find("steps")!.Check(ParamValue.Of(1.5)));
        Assert.Equal("must be >= 1 and <= 1000000", job.Find("steps")!.Check(ParamValue.Of(0L)));
        Assert.Equal("must be >= 0 and <= 1", job.Find("fail_probability")!.Check(ParamValue.Of(1.01)));
        Assert.Null(job.Find("x")!.Check(ParamValue.Of(2L)));
        Assert.Equal("must be a number", job.Find("x")!.Check(ParamValue.Of("2")));
        Assert.Null(job.Find("nope"));
    }

    [Fact]
    public void Check_handles_string_enums_bools_and_exclusive_maxima()
    {
        var optimizer = new JobParameter("optimizer", ParamType.String, ParamValue.Of("sgd"), "", Allowed: ["sgd", "adam"]);
        Assert.Null(optimizer.Check(ParamValue.Of("adam")));
        Assert.Equal("must be one of sgd, adam", optimizer.Check(ParamValue.Of("rmsprop")));
        Assert.Equal("must be a string", optimizer.Check(ParamValue.Of(1L)));

        var flag = new JobParameter("augment", ParamType.Bool, ParamValue.Of(true), "");
        Assert.Null(flag.Check(ParamValue.Of(false)));
        Assert.Equal("must be true or false", flag.Check(ParamValue.Of("true")));

        var ratio = new JobParameter("ratio", ParamType.Float, null, "", Max: 1, MaxExclusive: true);
        Assert.Equal("must be < 1", ratio.Check(ParamValue.Of(1.0)));
    }

    [Fact]
    public void Catalog_round_trips_through_json() =>
        Assert.Contains("\"type\":\"float\"", RoundTrip(JobCatalog.Synthetic));

    [Fact]
    public void Synthetic_loss_is_zero_at_the_optimum_and_grows_away_from_it()
    {
        Assert.Equal(0, SyntheticObjective.Loss(0.3, -0.2, 0.01), 12);
        Assert.Equal(0.09 + 0.04 + 1, SyntheticObjective.Loss(0, 0, 0.001), 12);
        Assert.Equal(1, SyntheticObjective.Loss(0.3, -0.2, 0.1), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticObjective.Loss(0, 0, 0));
    }

    [Fact]
    public void Loss_falls_linearly_to_the_final_loss_at_the_last_step()
    {
        Assert.Equal(1.5, SyntheticObjective.LossAtStep(0.5, 0, 5));
        Assert.Equal(0.5 + 0.75, SyntheticObjective.LossAtStep(0.5, 1, 4));
        Assert.Equal(0.123, SyntheticObjective.LossAtStep(0.123, 7, 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticObjective.LossAtStep(0, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticObjective.LossAtStep(0, 6, 5));
    }
}
