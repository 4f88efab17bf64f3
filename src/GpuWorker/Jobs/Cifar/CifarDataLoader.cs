using System.Globalization;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>The two CIFAR-10 distributions this job reads.</summary>
public enum CifarFormat
{
    /// <summary><c>cifar-10-batches-bin</c>: <c>data_batch_N.bin</c> and <c>test_batch.bin</c>.</summary>
    Binary,

    /// <summary><c>cifar-10-batches-py</c>: pickled <c>data_batch_N</c> and <c>test_batch</c>.</summary>
    Python,
}

/// <summary>
/// Finds and reads CIFAR-10 from a folder (the batches folder or its parent), or generates the synthetic set
/// when no folder is given. Nothing is ever downloaded.
/// </summary>
public static partial class CifarDataLoader
{
    public const string BinaryFolder = "cifar-10-batches-bin";
    public const string PythonFolder = "cifar-10-batches-py";

    /// <summary>Loads the training and test splits into CPU memory (uint8), keeping the first N of each when a subset is asked for.</summary>
    /// <exception cref="CifarDataException">The folder or one of its files cannot be used; the message names it.</exception>
    public static CifarDataset Load(string data, int trainSubset, int testSubset)
    {
        if (string.IsNullOrWhiteSpace(data))
        {
            return new CifarDataset(
                SyntheticCifar.Generate(trainSubset > 0 ? trainSubset : SyntheticCifar.DefaultTrainSize, SyntheticCifar.TrainSeed),
                SyntheticCifar.Generate(testSubset > 0 ? testSubset : SyntheticCifar.DefaultTestSize, SyntheticCifar.TestSeed),
                "synthetic");
        }

        var (folder, format) = Locate(data);
        var ext = format == CifarFormat.Binary ? ".bin" : "";
        var trainFiles = TrainFiles(folder, ext);
        if (trainFiles.Count == 0)
            throw new CifarDataException($"data: {folder} has no data_batch_N{ext} files");
        var testFile = Path.Combine(folder, "test_batch" + ext);
        if (!File.Exists(testFile))
            throw new CifarDataException($"data: {folder} has no test_batch{ext}");

        var train = ReadSplit(trainFiles, format, trainSubset);
        try
        {
            var test = ReadSplit([testFile], format, testSubset);
            return new CifarDataset(train, test, $"{(format == CifarFormat.Binary ? BinaryFolder : PythonFolder)} format at {folder}");
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <summary>The folder holding the batch files, and their format.</summary>
    public static (string Folder, CifarFormat Format) Locate(string data)
    {
        var path = Path.GetFullPath(data);
        if (!Directory.Exists(path))
        {
            throw new CifarDataException(File.Exists(path)
                ? $"data: {path} is a file; give the folder that holds the CIFAR-10 batches (or its parent)"
                : $"data: folder {path} does not exist");
        }
        if (HasBatches(path, ".bin")) return (path, CifarFormat.Binary);
        if (HasBatches(path, "")) return (path, CifarFormat.Python);
        foreach (var (sub, format, ext) in new[] { (BinaryFolder, CifarFormat.Binary, ".bin"), (PythonFolder, CifarFormat.Python, "") })
        {
            var candidate = Path.Combine(path, sub);
            if (!Directory.Exists(candidate)) continue;
            if (HasBatches(candidate, ext)) return (candidate, format);
            throw new CifarDataException($"data: {candidate} holds no data_batch_N{ext} or test_batch{ext} files");
        }
        throw new CifarDataException(
            $"data: {path} holds no CIFAR-10 batches: expected data_batch_1.bin … test_batch.bin ({BinaryFolder}) or "
            + $"data_batch_1 … test_batch ({PythonFolder}), in it or in a {BinaryFolder}/ or {PythonFolder}/ subfolder");
    }

    private static bool HasBatches(string folder, string ext) =>
        File.Exists(Path.Combine(folder, "test_batch" + ext)) || TrainFiles(folder, ext).Count > 0;

    /// <summary><c>data_batch_N{ext}</c> in <paramref name="folder"/>, by N.</summary>
    private static List<string> TrainFiles(string folder, string ext) =>
        Directory.EnumerateFiles(folder, "data_batch_*")
            .Select(f => (File: f, Match: BatchName().Match(Path.GetFileName(f))))
            .Where(x => x.Match.Success && x.Match.Groups[2].Value == ext)
            .OrderBy(x => long.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture))
            .Select(x => x.File)
            .ToList();

    [GeneratedRegex(@"^data_batch_(\d{1,9})((?:\.bin)?)$")]
    private static partial Regex BatchName();

    private static CifarSplit ReadSplit(IReadOnlyList<string> files, CifarFormat format, int subset)
    {
        var images = new List<Tensor>();
        var labels = new List<Tensor>();
        long count = 0;
        try
        {
            foreach (var file in files)
            {
                if (subset > 0 && count >= subset) break;
                var batch = format == CifarFormat.Binary ? CifarBinaryReader.Read(file) : CifarPythonReader.Read(file);
                if (batch.Count == 0) continue;
                images.Add(torch.tensor(batch.Pixels, [batch.Count, 3, 32, 32], dtype: ScalarType.Byte));
                labels.Add(torch.tensor(batch.Labels, [batch.Count], dtype: ScalarType.Int64));
                count += batch.Count;
            }
            if (count == 0)
                throw new CifarDataException($"data: {string.Join(", ", files)} hold no images");
            var split = new CifarSplit(torch.cat(images, 0), torch.cat(labels, 0));
            return split.Take(subset);
        }
        finally
        {
            foreach (var t in images) t.Dispose();
            foreach (var t in labels) t.Dispose();
        }
    }
}
