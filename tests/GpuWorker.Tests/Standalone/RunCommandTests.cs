using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Standalone;

namespace Atelier.GpuWorker.Tests.Standalone;

/// <summary>The standalone <c>run</c> command holds a job to what a slot holds it to.</summary>
public sealed class RunCommandTests
{
    [Fact]
    public void A_diverging_run_fails_saying_where_and_writes_no_result()
    {
        var dir = Directory.CreateTempSubdirectory("atelier-run-").FullName;
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var code = RunCommand.Execute(["synthetic", "-p", "steps=5", "-p", "nan_at_step=3", "--out", dir],
                JobRegistry.Default(), output, error, CancellationToken.None);

            Assert.Equal(1, code);
            Assert.Equal("synthetic failed: metric loss is NaN at step 3: the run diverged", error.ToString().Trim());
            Assert.False(File.Exists(Path.Combine(dir, "result.json")));
            // The steps before it were written, as a slot would have reported them.
            Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
