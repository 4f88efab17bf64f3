using System.Text;
using Atelier.GpuWorker.Jobs.Cifar;

namespace Atelier.GpuWorker.Tests.Cifar;

/// <summary>The two CIFAR-10 readers and the folder lookup, on fixtures written by <see cref="CifarFixtures"/>.</summary>
public sealed class CifarReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("atelier-cifar-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Binary_batch_gives_labels_and_rgb_planes_of_every_record()
    {
        var path = Path.Combine(_dir, "data_batch_1.bin");
        CifarFixtures.WriteBinary(path, CifarFixtures.Pixels(5), CifarFixtures.Labels(5));

        var batch = CifarBinaryReader.Read(path);

        Assert.Equal(CifarFixtures.Labels(5), batch.Labels);
        Assert.Equal(CifarFixtures.Pixels(5), batch.Pixels);
    }

    [Fact]
    public void Binary_batch_whose_size_is_not_a_multiple_of_3073_is_refused_naming_the_file()
    {
        var path = Path.Combine(_dir, "data_batch_1.bin");
        File.WriteAllBytes(path, new byte[3073 * 2 + 100]);

        var e = Assert.Throws<CifarDataException>(() => CifarBinaryReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("not a multiple of 3073", e.Message);
    }

    [Fact]
    public void Binary_label_out_of_range_is_refused_naming_file_and_record()
    {
        var path = Path.Combine(_dir, "test_batch.bin");
        var labels = CifarFixtures.Labels(3);
        labels[2] = 10;
        CifarFixtures.WriteBinary(path, CifarFixtures.Pixels(3), labels);

        var e = Assert.Throws<CifarDataException>(() => CifarBinaryReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("record 2 has label 10", e.Message);
    }

    [Fact]
    public void Python2_cpickle_batch_gives_the_same_images_as_the_binary_one()
    {
        // 1001 images: two APPENDS batches (1000 + a single APPEND) and memo ids past 255 (LONG_BINPUT).
        var pixels = CifarFixtures.Pixels(1001);
        var labels = CifarFixtures.Labels(1001);
        var path = Path.Combine(_dir, "data_batch_1");
        File.WriteAllBytes(path, Py2Pickle.CifarBatch(pixels, labels, "training batch 1 of 5"));

        var batch = CifarPythonReader.Read(path);

        Assert.Equal(labels, batch.Labels);
        Assert.Equal(pixels, batch.Pixels);
    }

    [Fact]
    public void Python2_pickle_starts_as_the_original_cifar_files_do()
    {
        var bytes = Py2Pickle.CifarBatch(CifarFixtures.Pixels(10), CifarFixtures.Labels(10), "training batch 1 of 5", rows: 10);
        var head = "\u0080\u0002}q\u0001(U\u0004dataq\u0002cnumpy.core.multiarray\n_reconstruct\nq\u0003cnumpy\nndarray\nq\u0004K\u0000\u0085U\u0001b\u0087Rq\u0005(K\u0001K\u000aM\u0000\u000c\u0086"
            + "cnumpy\ndtype\nq\u0006U\u0002u1K\u0000K\u0001\u0087Rq\u0007(K\u0003U\u0001|NNNJ\u00ff\u00ff\u00ff\u00ffJ\u00ff\u00ff\u00ff\u00ffK\u0000tb\u0089T\u0000\u0078\u0000\u0000";
        Assert.Equal(Encoding.Latin1.GetBytes(head), bytes.Take(head.Length).ToArray());
    }

    [Fact]
    public void Truncated_pickle_is_refused_naming_the_file()
    {
        var path = Path.Combine(_dir, "data_batch_1");
        var bytes = Py2Pickle.CifarBatch(CifarFixtures.Pixels(4), CifarFixtures.Labels(4), "b");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<CifarDataException>(() => CifarPythonReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Pickle_that_calls_anything_but_numpy_is_refused()
    {
        var path = Path.Combine(_dir, "data_batch_1");
        // pickle.dumps(os.system('echo hi')) in the style of protocol 2: GLOBAL os.system, a tuple, REDUCE.
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes("\u0080\u0002cos\nsystem\nq\u0000U\u0007echo hiq\u0001\u0085q\u0002Rq\u0003."));

        var e = Assert.Throws<CifarDataException>(() => CifarPythonReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("refusing pickle global os.system", e.Message);
    }

    [Theory]
    [InlineData("not a pickle at all", "not a binary pickle")]
    [InlineData("\u0080\u0002}q\u0001.", "no 'data' key")]
    [InlineData("\u0080\u0002]q\u0001.", "does not hold a dict")]
    [InlineData("\u0080\u0002}q\u0001\u00ff", "unsupported pickle opcode 0xff")]
    public void Foreign_pickles_are_refused_with_the_reason(string content, string reason)
    {
        var path = Path.Combine(_dir, "test_batch");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(content));

        var e = Assert.Throws<CifarDataException>(() => CifarPythonReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Pickled_label_out_of_range_is_refused()
    {
        var path = Path.Combine(_dir, "test_batch");
        var labels = CifarFixtures.Labels(3);
        labels[1] = 12;
        File.WriteAllBytes(path, Py2Pickle.CifarBatch(CifarFixtures.Pixels(3), labels, "b"));

        var e = Assert.Throws<CifarDataException>(() => CifarPythonReader.Read(path));

        Assert.Contains("labels[1] = 12", e.Message);
    }

    [Theory]
    [InlineData("fine_labels", 3L, 3072, "u1", "no 'labels' key")]
    [InlineData("labels", 4L, 3072, "u1", "'data' has 4 rows but 'labels' has 3")]
    [InlineData("labels", 3L, 1024, "u1", "'data' has shape (3, 1024)")]
    [InlineData("labels", 3L, 3072, "i4", "dtype i4")]
    public void Pickled_batch_that_does_not_fit_cifar_10_is_refused(string labelsKey, long rows, int columns, string dtype, string reason)
    {
        var path = Path.Combine(_dir, "data_batch_1");
        File.WriteAllBytes(path, Py2Pickle.CifarBatch(CifarFixtures.Pixels(3), CifarFixtures.Labels(3), "b", labelsKey, rows, columns, dtype));

        var e = Assert.Throws<CifarDataException>(() => CifarPythonReader.Read(path));

        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData(true, "cifar-10-batches-bin")]
    [InlineData(false, "cifar-10-batches-py")]
    public void Data_may_name_the_batches_folder_or_its_parent(bool binary, string folder)
    {
        // data_batch_10 must come after data_batch_2: files are ordered by number, not by name.
        var batches = CifarFixtures.WriteDataset(Path.Combine(_dir, folder), binary, [3, 2, 1, 1, 1, 1, 1, 1, 1, 4], 5);

        foreach (var data in new[] { batches, _dir })
        {
            using var set = CifarDataLoader.Load(data, trainSubset: 0, testSubset: 0);
            Assert.Equal(16, set.Train.Count);
            Assert.Equal(5, set.Test.Count);
            Assert.Contains(folder, set.Source);
            var labels = set.Train.Labels.data<long>().ToArray();
            Assert.Equal(CifarFixtures.Labels(3, 0).Concat(CifarFixtures.Labels(2, 1)).ToArray(), labels[..5]);
            Assert.Equal(CifarFixtures.Labels(4, 9), labels[^4..]);
            Assert.Equal(CifarFixtures.Pixels(5, 99), set.Test.Images.data<byte>().ToArray());
        }
    }

    [Fact]
    public void Subsets_keep_the_first_images_in_batch_order()
    {
        var batches = CifarFixtures.WriteDataset(Path.Combine(_dir, "cifar-10-batches-bin"), true, [3, 3], 4);

        using var set = CifarDataLoader.Load(batches, trainSubset: 4, testSubset: 2);

        Assert.Equal(4, set.Train.Count);
        Assert.Equal(2, set.Test.Count);
        Assert.Equal(CifarFixtures.Pixels(3, 0).Concat(CifarFixtures.Pixels(1, 1)).ToArray(), set.Train.Images.data<byte>().ToArray());
    }

    [Fact]
    public void Missing_or_empty_folders_are_refused_naming_them()
    {
        var missing = Path.Combine(_dir, "nope");
        var e = Assert.Throws<CifarDataException>(() => CifarDataLoader.Load(missing, 0, 0));
        Assert.Contains(missing, e.Message);
        Assert.Contains("does not exist", e.Message);

        var empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        e = Assert.Throws<CifarDataException>(() => CifarDataLoader.Load(empty, 0, 0));
        Assert.Contains(empty, e.Message);
        Assert.Contains("holds no CIFAR-10 batches", e.Message);

        var noTest = Path.Combine(_dir, "cifar-10-batches-bin");
        CifarFixtures.WriteDataset(noTest, true, [2], 1);
        File.Delete(Path.Combine(noTest, "test_batch.bin"));
        e = Assert.Throws<CifarDataException>(() => CifarDataLoader.Load(_dir, 0, 0));
        Assert.Contains("has no test_batch.bin", e.Message);
    }
}
