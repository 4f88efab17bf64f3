using Atelier.Contracts.Specs;

namespace Atelier.GpuWorker.Tests.Style;

public sealed class StyleExampleTests
{
    [Fact]
    public void The_style_weights_example_is_a_valid_18_trial_grid()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cluster.sln"))) directory = directory.Parent;
        Assert.NotNull(directory);
        var result = SweepSpecParser.Parse(File.ReadAllText(Path.Combine(directory.FullName, "examples", "style-weights.yaml")));
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal("style-transfer", result.Spec!.Job);
        Assert.Equal(18, SearchSpace.TrialCount(result.Spec));
    }
}
