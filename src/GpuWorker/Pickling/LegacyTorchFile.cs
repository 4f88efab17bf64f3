using System.Buffers.Binary;
using System.Collections;
using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Pickling;

/// <summary>
/// Reads the <c>torch.save</c> format PyTorch wrote before 1.6 (and since with <c>_use_new_zipfile_serialization=False</c>):
/// five pickles — a magic number, the protocol version 1001, the writer's system info, the object (a state_dict or a
/// dict holding one) whose storages are persistent ids, and the list of storage keys — then, for each key in that
/// order, the storage's element count (int64) and its raw bytes. Only little-endian files are read. The pickles run in
/// <see cref="PickleReader"/>'s torch vocabulary, so nothing in the file is ever called.
/// </summary>
public static class LegacyTorchFile
{
    private static readonly BigInteger Magic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
    private const long ProtocolVersion = 1001;

    /// <summary>Whether <paramref name="path"/> starts like this format (a pickle, not a zip archive).</summary>
    public static bool Looks(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[2];
        return stream.ReadAtLeast(head, 2, throwOnEndOfStream: false) == 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5;
    }

    /// <summary>
    /// The saved object with every tensor loaded on the CPU: a dict becomes a <see cref="Hashtable"/> of its string keys
    /// (tensors and nested dicts; other values are left out), as <c>TorchSharp.PyBridge</c> returns zip-format files.
    /// </summary>
    /// <exception cref="PickleException">The file is not in this format, is truncated, or holds something else.</exception>
    public static Hashtable Read(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > Array.MaxLength)
            throw new PickleException($"{path}: {info.Length} bytes is more than this reader holds in memory ({Array.MaxLength})");
        var bytes = File.ReadAllBytes(path);
        var position = 0;
        if (PickleReader.Load(path, bytes, ref position, PickleVocabulary.Torch) is not BigInteger magic || magic != Magic)
            throw new PickleException($"{path}: not a torch.save file: it does not start with torch's magic number");
        if (PickleReader.Load(path, bytes, ref position, PickleVocabulary.Torch) is not ProtocolVersion)
            throw new PickleException($"{path}: torch.save protocol other than {ProtocolVersion}");
        if (PickleReader.Load(path, bytes, ref position, PickleVocabulary.Torch) is not PyDict system
            || !system.TryGet("little_endian", out var little) || little is not true)
            throw new PickleException($"{path}: written on a big-endian machine (or without system info); only little-endian files are read");
        var root = PickleReader.Load(path, bytes, ref position, PickleVocabulary.Torch);
        if (PickleReader.Load(path, bytes, ref position, PickleVocabulary.Torch) is not PyList keys || keys.Any(k => k is not string))
            throw new PickleException($"{path}: the list of storage keys after the object is missing");

        var storages = new Dictionary<TorchStorage, Tensor>();
        var views = new List<TorchTensorView>();
        Collect(root, views);
        var byKey = views.Select(v => v.Storage).Distinct().ToDictionary(s => s.Key, StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        foreach (var key in keys.Cast<string>())
        {
            var elements = ReadInt64(path, bytes, ref position, key);
            if (!byKey.TryGetValue(key, out var storage))
                throw new PickleException($"{path}: storage {key} is listed but no tensor refers to it");
            if (elements != storage.Elements)
                throw new PickleException($"{path}: storage {key} holds {elements} elements, its tensors were pickled with {storage.Elements}");
            var size = checked(elements * TorchStorage.ElementSize(storage.Type)!.Value);
            if (size > bytes.Length - position)
                throw new PickleException($"{path}: truncated: storage {key} needs {size} bytes at byte {position}, the file ends at {bytes.Length}");
            var tensor = empty([elements], ScalarTypeOf(storage.Type));
            tensor.bytes = bytes.AsSpan(position, (int)size);
            storages[storage] = tensor;
            position += (int)size;
        }
        foreach (var storage in byKey.Values.Where(s => !storages.ContainsKey(s)))
            throw new PickleException($"{path}: the bytes of storage {storage.Key} are missing");
        return (Hashtable)Materialize(path, root, storages)!;
    }

    private static void Collect(object? value, List<TorchTensorView> views)
    {
        switch (value)
        {
            case TorchTensorView view: views.Add(view); break;
            case PyDict dict: foreach (var (_, v) in dict) Collect(v, views); break;
            case PyList list: foreach (var v in list) Collect(v, views); break;
            case PyTuple tuple: foreach (var v in tuple.Items) Collect(v, views); break;
        }
    }

    /// <summary>Dicts become Hashtables of their string keys, tensor views become tensors of their own (moved out of the scope).</summary>
    private static object? Materialize(string path, object? value, Dictionary<TorchStorage, Tensor> storages)
    {
        switch (value)
        {
            case TorchTensorView view:
            {
                var storage = storages[view.Storage];
                var end = view.Offset + view.Size.Zip(view.Stride, (n, s) => n == 0 ? 0 : (n - 1) * s).Sum();
                if (view.Size.All(n => n > 0) && end >= view.Storage.Elements || view.Stride.Any(s => s < 0) || view.Size.Length != view.Stride.Length)
                    throw new PickleException($"{path}: a tensor of shape ({string.Join(", ", view.Size)}) reaches past its storage {view.Storage.Key}");
                return storage.as_strided(view.Size, view.Stride, view.Offset).clone().MoveToOuterDisposeScope();
            }
            case PyDict dict:
            {
                var table = new Hashtable();
                foreach (var (k, v) in dict)
                {
                    if (k is not string key) continue;
                    if (Materialize(path, v, storages) is { } m and (Tensor or Hashtable)) table[key] = m;
                }
                return table;
            }
            case null:
                throw new PickleException($"{path}: the saved object is None, not a state_dict");
            default:
                return value is PyList or PyTuple ? null : value;
        }
    }

    private static long ReadInt64(string path, byte[] bytes, ref int position, string key)
    {
        if (bytes.Length - position < 8)
            throw new PickleException($"{path}: truncated: the size of storage {key} is missing at byte {position}");
        var value = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(position, 8));
        position += 8;
        return value;
    }

    private static ScalarType ScalarTypeOf(string storageType) => storageType switch
    {
        "DoubleStorage" => ScalarType.Float64,
        "FloatStorage" => ScalarType.Float32,
        "HalfStorage" => ScalarType.Float16,
        "BFloat16Storage" => ScalarType.BFloat16,
        "LongStorage" => ScalarType.Int64,
        "IntStorage" => ScalarType.Int32,
        "ShortStorage" => ScalarType.Int16,
        "CharStorage" => ScalarType.Int8,
        "ByteStorage" => ScalarType.Byte,
        "BoolStorage" => ScalarType.Bool,
        "ComplexFloatStorage" => ScalarType.ComplexFloat32,
        "ComplexDoubleStorage" => ScalarType.ComplexFloat64,
        _ => throw new ArgumentOutOfRangeException(nameof(storageType), storageType, "not a torch storage class"),
    };
}
