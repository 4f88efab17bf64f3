using System.Collections;
using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Jobs.Style;
using Atelier.GpuWorker.Pickling;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Tests.Pickling;

/// <summary>
/// Files written by PyTorch 1.13 (Fixtures/make_fixtures.py): the same checkpoint in the format before 1.6 and in the
/// zip format, read to the same tensors; damaged or foreign files are refused with the file and the reason.
/// </summary>
public sealed class LegacyTorchFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("atelier-legacy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_file_in_the_format_before_1_6_holds_the_tensors_the_zip_format_file_holds()
    {
        using var scope = NewDisposeScope();
        var legacy = (Hashtable)LegacyTorchFile.Read(Fixture("legacy.pt"))["model"]!;
        Hashtable zip;
        using (var stream = File.OpenRead(Fixture("zip.pt")))
            zip = (Hashtable)PyTorchUnpickler.UnpickleStateDict(stream)["model"]!;

        Assert.Equal(15, legacy.Count);
        Assert.Equal(zip.Keys.Cast<string>().Order(), legacy.Keys.Cast<string>().Order());
        foreach (string key in zip.Keys)
        {
            var (a, b) = ((Tensor)legacy[key]!, (Tensor)zip[key]!);
            Assert.True(a.dtype == b.dtype, $"{key}: {a.dtype} != {b.dtype}");
            Assert.Equal(b.shape, a.shape);
            Assert.True(a.eq(b).all().item<bool>(), $"{key} differs");
        }
        // The views are their own tensors with the values PyTorch saw (not the whole storage).
        var expected = arange(24, ScalarType.Float64).reshape(4, 6);
        Assert.True(((Tensor)legacy["extra.transposed"]!).eq(expected.t()).all().item<bool>());
        Assert.True(((Tensor)legacy["extra.slice"]!).eq(expected[1..3, 2..5]).all().item<bool>());
        Assert.Equal(65504f, ((Tensor)legacy["extra.half"]!)[2].to(ScalarType.Float32).item<float>());
        Assert.Empty(((Tensor)legacy["1.num_batches_tracked"]!).shape);
    }

    [Fact]
    public void A_truncated_file_is_refused_naming_the_storage_whose_bytes_are_missing()
    {
        var bytes = File.ReadAllBytes(Fixture("legacy.pt"));
        var path = Path.Combine(_dir, "cut.pt");
        File.WriteAllBytes(path, bytes[..^5]);

        var e = Assert.Throws<PickleException>(() => LegacyTorchFile.Read(path));

        Assert.StartsWith(path + ": truncated: storage ", e.Message);
    }

    [Fact]
    public void A_pickle_that_calls_anything_else_is_refused_before_it_runs()
    {
        // What a malicious "model" does: GLOBAL os.system, then REDUCE.
        byte[] evil = [0x80, 0x02, .. "cos\nsystem\nX"u8, 4, 0, 0, 0, .. "echo"u8, 0x85, (byte)'R', (byte)'.'];

        var e = Assert.Throws<PickleException>(() => PickleReader.Load("evil.pt", evil, PickleVocabulary.Torch));

        Assert.Contains("refusing pickle global os.system", e.Message);
    }

    [Fact]
    public void Vgg_weights_in_the_old_format_are_read_and_checked_like_the_zip_format()
    {
        using var net = new Vgg19Features();

        var e = Assert.Throws<JobParameterException>(() => VggWeights.Load(net, Fixture("legacy.pt")));

        // Read (no "re-save in the new format"), then refused as the wrong network, naming the first missing tensor.
        Assert.Contains("'0.weight' has shape (4, 3, 3, 3), VGG19 needs (64, 3, 3, 3)", e.Message);
    }

    private static string Fixture(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cluster.sln"))) directory = directory.Parent;
        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("repository root not found"),
            "tests", "GpuWorker.Tests", "Pickling", "Fixtures", name);
    }
}
