using Atelier.Coordinator.Artifacts;

namespace Atelier.Coordinator.Tests.Artifacts;

/// <summary>
/// The collector and the store under the conditions the chaos harness made: a slow upload whose temporary file sits
/// unwritten past the grace period, one whose coordinator died, and a temporary file that vanished before its upload
/// was committed.
/// </summary>
public sealed class ArtifactCollectorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("atelier-collector-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_temporary_file_in_use_survives_a_round_past_the_grace_period_and_an_idle_one_goes()
    {
        var store = new ArtifactStore(_root);
        var inUse = store.NewTempFile();
        File.WriteAllText(inUse, "half an upload");
        File.SetLastWriteTimeUtc(inUse, DateTime.UtcNow - ArtifactStore.TempFileIdle / 2); // older than a 1 s grace
        var abandoned = store.NewTempFile();
        File.WriteAllText(abandoned, "its coordinator died");
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow - ArtifactStore.TempFileIdle - TimeSpan.FromSeconds(5));
        var unreferenced = Path.Combine(_root, "sha256", "ab", new string('a', 64));
        Directory.CreateDirectory(Path.GetDirectoryName(unreferenced)!);
        File.WriteAllText(unreferenced, "dropped checkpoint");
        File.SetLastWriteTimeUtc(unreferenced, DateTime.UtcNow.AddMinutes(-2));

        // The default grace period (an hour) keeps the unreferenced checkpoint, not the abandoned temporary file.
        var first = ArtifactCollector.Sweep(store, new HashSet<string>(), DateTime.UtcNow.AddHours(-1));
        Assert.False(File.Exists(abandoned), "an abandoned temporary file waited for the grace period");
        Assert.True(File.Exists(unreferenced));
        Assert.Equal(1, first.Deleted);

        var result = ArtifactCollector.Sweep(store, new HashSet<string>(), DateTime.UtcNow.AddSeconds(-1));

        Assert.True(File.Exists(inUse), "the collector deleted the temporary file of an upload that may still be streaming");
        Assert.False(File.Exists(unreferenced));
        Assert.Equal(1, result.Deleted);
    }

    [Fact]
    public void A_commit_whose_temporary_file_vanished_is_refused_not_thrown()
    {
        var store = new ArtifactStore(_root);
        var temp = store.NewTempFile();

        var error = store.Commit(temp, new string('b', 64), new string('b', 64), 10);

        Assert.NotNull(error);
        Assert.StartsWith("the store could not keep it:", error);
        Assert.False(store.Contains(new string('b', 64)));
    }
}
