using Atelier.Contracts.Specs;

namespace Atelier.GpuWorker.Tests.Cifar;

/// <summary>The two cifar-vgg19 example sweeps parse and validate against the job's definition.</summary>
public sealed class CifarExampleTests
{
    [Theory]
    [InlineData("cifar-weight-decay.yaml", 5)]
    [InlineData("cifar-cpu.yaml", 6)]
    public void Example_sweep_is_valid(string file, int trials)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cluster.sln"))) directory = directory.Parent;
        Assert.NotNull(directory);

        var result = SweepSpecParser.Parse(File.ReadAllText(Path.Combine(directory.FullName, "examples", file)));

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal("cifar-vgg19", result.Spec!.Job);
        Assert.Equal(trials, SearchSpace.TrialCount(result.Spec));
    }
}
