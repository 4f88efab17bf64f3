using Atelier.GpuWorker.Pickling;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// Reads the Python CIFAR-10 distribution (<c>cifar-10-batches-py</c>): each batch is a pickled dict whose
/// <c>data</c> is a uint8 numpy array (N, 3072) — R, G, B planes per row — and whose <c>labels</c> is a list of
/// N ints, as Python 2's cPickle wrote them (and as <c>pickle.load(f, encoding='bytes')</c> reads them). Keys may
/// be byte strings or str, so batches re-pickled by Python 3 (protocols 2–5) load as well.
/// </summary>
public static class CifarPythonReader
{
    /// <exception cref="CifarDataException">The file is missing, not such a pickle, or its contents do not fit.</exception>
    public static CifarBatch Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarDataException($"{path}: cannot read: {e.Message}");
        }

        object? batch;
        try
        {
            batch = PickleReader.Load(path, bytes);
        }
        catch (PickleException e)
        {
            throw new CifarDataException(e.Message);
        }
        if (batch is not PyDict dict)
            throw new CifarDataException($"{path}: not a CIFAR-10 python batch: the pickle does not hold a dict");
        if (!dict.TryGet("data", out var dataObject))
            throw new CifarDataException($"{path}: not a CIFAR-10 python batch: the dict has no 'data' key");
        if (!dict.TryGet("labels", out var labelsObject))
            throw new CifarDataException(
                $"{path}: not a CIFAR-10 python batch: the dict has no 'labels' key (CIFAR-100 batches have 'fine_labels')");

        var labels = Labels(path, labelsObject);
        var pixels = Pixels(path, dataObject, labels.Length);
        return new CifarBatch(pixels, labels);
    }

    private static long[] Labels(string path, object? value)
    {
        long[] labels = value switch
        {
            PyList list => list.Select((l, i) => l is long n
                ? n
                : throw new CifarDataException($"{path}: labels[{i}] is {l?.GetType().Name ?? "None"}, not an integer")).ToArray(),
            NdArray { DType: { IntegerSize: not null } dtype, Data: { } raw } array when array.Shape.Length == 1 =>
                Enumerable.Range(0, checked((int)array.Shape[0])).Select(i => dtype.ReadInteger(raw, i)
                    ?? throw new CifarDataException($"{path}: the labels array is shorter than its shape says")).ToArray(),
            _ => throw new CifarDataException($"{path}: 'labels' is not a list of ints (nor a 1-D integer array)"),
        };
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] is < 0 or >= CifarDataset.Classes)
                throw new CifarDataException($"{path}: labels[{i}] = {labels[i]}; CIFAR-10 labels are 0..9");
        }
        return labels;
    }

    private static byte[] Pixels(string path, object? value, int count)
    {
        if (value is not NdArray { DType: { } dtype, Data: { } raw } array)
            throw new CifarDataException($"{path}: 'data' is not a numpy array");
        var shape = $"({string.Join(", ", array.Shape)})";
        if (!dtype.IsUInt8)
            throw new CifarDataException($"{path}: 'data' has dtype {dtype}; expected uint8");
        var fits = array.Shape is [_, CifarDataset.ImageBytes] || array.Shape is [_, 3, 32, 32] && !array.Fortran;
        if (!fits)
            throw new CifarDataException($"{path}: 'data' has shape {shape}; expected (N, 3072): one row of R, G, B planes per image");
        if (array.Shape[0] != count)
            throw new CifarDataException($"{path}: 'data' has {array.Shape[0]} rows but 'labels' has {count} entries");
        if (raw.Length != array.Elements)
            throw new CifarDataException($"{path}: 'data' holds {raw.Length} bytes; shape {shape} needs {array.Elements} (truncated?)");

        var pixels = raw.Span.ToArray();
        if (array.Fortran && count > 1)
        {
            // Column-major (N, 3072): element (i, j) is at j·N + i.
            var rowMajor = new byte[pixels.Length];
            for (var j = 0; j < CifarDataset.ImageBytes; j++)
                for (var i = 0; i < count; i++)
                    rowMajor[(long)i * CifarDataset.ImageBytes + j] = pixels[(long)j * count + i];
            pixels = rowMajor;
        }
        return pixels;
    }
}
