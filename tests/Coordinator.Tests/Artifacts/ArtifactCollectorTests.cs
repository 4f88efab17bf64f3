using Atelier.Coordinator.Artifacts;

namespace Atelier.Coordinator.Tests.Artifacts;

/// <summary>
/// The collector and the store under the conditions the chaos harness made: a slow upload whose temporary file sits
/// unwritten past the grace period, and a temporary file that vanished before its upload was committed.
/// </summary>
public sealed class ArtifactCollectorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("atelier-collector-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_temporary_file_an_upload_may_still_be_writing_survives_a_round_past_the_grace_period()
    {
        var store = new ArtifactStore(_root);
        var inFlight = store.NewTempFile();
        File.WriteAllText(inFlight, "half an upload");
        File.SetLastWriteTimeUtc(inFlight, DateTime.UtcNow.AddMinutes(-2)); // older than a 1 s grace, younger than the upload timeout
        var abandoned = store.NewTempFile();
        File.WriteAllText(abandoned, "given up");
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow - ArtifactIngest.UploadTimeout - TimeSpan.FromMinutes(2));
        var unreferenced = Path.Combine(_root, "sha256", "ab", new string('a', 64));
        Directory.CreateDirectory(Path.GetDirectoryName(unreferenced)!);
        File.WriteAllText(unreferenced, "dropped checkpoint");
        File.SetLastWriteTimeUtc(unreferenced, DateTime.UtcNow.AddMinutes(-2));

        var result = ArtifactCollector.Sweep(store, new HashSet<string>(), DateTime.UtcNow.AddSeconds(-1));

        Assert.True(File.Exists(inFlight), "the collector deleted the temporary file of an upload that may still be streaming");
        Assert.False(File.Exists(abandoned));
        Assert.False(File.Exists(unreferenced));
        Assert.Equal(2, result.Deleted);
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
