using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Atelier.GpuWorker.Pickling;

/// <summary>Which Python objects a pickle may refer to.</summary>
internal enum PickleVocabulary
{
    /// <summary>numpy arrays and dtypes (CIFAR-10 python batches).</summary>
    Numpy,

    /// <summary>
    /// Tensors, storages and OrderedDicts as the pre-1.6 <c>torch.save</c> pickles them (<see cref="LegacyTorchFile"/>):
    /// a storage is a persistent id, a tensor a call of <c>torch._utils._rebuild_tensor_v2</c>.
    /// </summary>
    Torch,
}

/// <summary>
/// A deliberately small, safe unpickler. It runs the binary opcodes that Python 2's cPickle (protocol 2)
/// writes — and the ones Python 3 writes with protocols 2–5 — and builds only plain values: dicts, lists,
/// tuples, ints, floats, strings, byte strings, plus the objects of its <see cref="PickleVocabulary"/>. It never
/// calls anything: any global outside the vocabulary, any other opcode or a truncated stream is refused with a
/// message naming the file and offset.
/// <para>
/// Why not Razorvine.Pickle 1.5 (already here through TorchSharp.PyBridge): for a global it has no constructor for, it
/// builds a <c>ClassDict</c> instead of refusing it (it fails only when that class needs constructor arguments), so a
/// file naming an unexpected class would load and fail later, far from its cause; its errors name no offset; and
/// numpy's reconstruct and dtype and torch's persistent ids need constructors written for it anyway. An allow-list
/// that refuses everything else, with errors that say where, is what reading downloaded files needs.
/// </para>
/// </summary>
internal sealed class PickleReader
{
    private readonly string _path;
    private readonly byte[] _bytes;
    private readonly PickleVocabulary _vocabulary;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private readonly Dictionary<string, TorchStorage> _storages = new(StringComparer.Ordinal);
    private int _pos;
    private int _opcodeAt;

    private PickleReader(string path, byte[] bytes, int start, PickleVocabulary vocabulary)
    {
        _path = path;
        _bytes = bytes;
        _pos = start;
        _vocabulary = vocabulary;
    }

    /// <summary>Unpickles <paramref name="bytes"/> (the contents of <paramref name="path"/>, named in errors).</summary>
    /// <exception cref="PickleException">The stream is truncated, foreign or uses something this reader does not support.</exception>
    public static object? Load(string path, byte[] bytes, PickleVocabulary vocabulary = PickleVocabulary.Numpy) =>
        new PickleReader(path, bytes, 0, vocabulary).Run();

    /// <summary>Unpickles the pickle at <paramref name="position"/> and moves it past the pickle's STOP (files that hold several).</summary>
    public static object? Load(string path, byte[] bytes, ref int position, PickleVocabulary vocabulary)
    {
        var reader = new PickleReader(path, bytes, position, vocabulary);
        var value = reader.Run();
        position = reader._pos;
        return value;
    }

    private object? Run()
    {
        if (_bytes.Length - _pos < 2 || _bytes[_pos] != 0x80)
            throw Fail(_bytes.Length == _pos
                ? (_pos == 0 ? "empty file, not a pickle" : $"the file ends at byte {_pos}, where a pickle should start")
                : $"not a binary pickle (protocol 2 or later): it starts with byte 0x{_bytes[_pos]:x2}, not 0x80");
        while (true)
        {
            _opcodeAt = _pos;
            var op = ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    var protocol = ReadByte();
                    if (protocol is < 2 or > 5) throw Fail($"pickle protocol {protocol} is not supported (2 to 5 are)");
                    break;
                case 0x95: Skip(8); break; // FRAME: frames are contiguous, the length is only a read hint
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0) throw Fail("malformed pickle: STOP with an unbalanced stack");
                    return _stack[0];
                case (byte)'(': _marks.Add(_stack.Count); break;
                case (byte)'0': Pop(); break;
                case (byte)'1': PopMark(); break;
                case (byte)'2': Push(Peek()); break;

                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'K': Push((long)ReadByte()); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                case 0x8a: Push(ReadLong(ReadByte())); break; // LONG1
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;

                case (byte)'U': Push(ReadBytes(ReadByte())); break; // SHORT_BINSTRING (Python 2 str)
                case (byte)'T': Push(ReadBytes(ReadLength32(signed: true))); break; // BINSTRING
                case (byte)'C': Push(ReadBytes(ReadByte())); break; // SHORT_BINBYTES
                case (byte)'B': Push(ReadBytes(ReadLength32(signed: false))); break; // BINBYTES
                case 0x8e: // BINBYTES8
                case 0x96: Push(ReadBytes(ReadLength64())); break; // BYTEARRAY8
                case (byte)'X': Push(ReadUnicode(ReadLength32(signed: false))); break; // BINUNICODE
                case 0x8c: Push(ReadUnicode(ReadByte())); break; // SHORT_BINUNICODE
                case 0x8d: Push(ReadUnicode(ReadLength64())); break; // BINUNICODE8

                case (byte)')': Push(new PyTuple([])); break;
                case 0x85: Push(new PyTuple(PopN(1))); break;
                case 0x86: Push(new PyTuple(PopN(2))); break;
                case 0x87: Push(new PyTuple(PopN(3))); break;
                case (byte)'t': Push(new PyTuple(PopMark())); break;
                case (byte)']': Push(new PyList()); break;
                case (byte)'l': Push(new PyList(PopMark())); break;
                case (byte)'a': { var item = Pop(); ListOnTop().Add(item); break; }
                case (byte)'e': { var items = PopMark(); ListOnTop().AddRange(items); break; }
                case (byte)'}': Push(new PyDict()); break;
                case (byte)'d': { var d = new PyDict(); AddPairs(d, PopMark()); Push(d); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); DictOnTop().Add(new(k, v)); break; }
                case (byte)'u': { var items = PopMark(); AddPairs(DictOnTop(), items); break; }

                case (byte)'q': Memo(ReadByte()); break; // BINPUT
                case (byte)'r': Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break; // LONG_BINPUT
                case 0x94: Memo(_memo.Count); break; // MEMOIZE
                case (byte)'h': Push(Recall(ReadByte())); break; // BINGET
                case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET

                case (byte)'c': Push(Global(ReadLine(), ReadLine())); break; // GLOBAL
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop() as string ?? throw Fail("malformed STACK_GLOBAL: name is not a string");
                    var module = Pop() as string ?? throw Fail("malformed STACK_GLOBAL: module is not a string");
                    Push(Global(module, name));
                    break;
                }
                case (byte)'R': { var args = Pop(); var callable = Pop(); Push(Reduce(callable, args)); break; }
                case (byte)'Q': Push(PersistentLoad(Pop())); break; // BINPERSID
                case (byte)'b': { var state = Pop(); Build(Peek(), state); break; }

                default:
                    throw Fail($"unsupported pickle opcode 0x{op:x2} ('{(op is >= 0x20 and < 0x7f ? (char)op : '?')}'); "
                        + $"{Expected} needs only dicts, lists, ints, strings and {Objects}");
            }
        }
    }

    private string Expected => _vocabulary == PickleVocabulary.Torch ? "a PyTorch state_dict" : "a CIFAR-10 batch";

    private string Objects => _vocabulary == PickleVocabulary.Torch ? "tensors" : "numpy arrays";

    private object Global(string module, string name)
    {
        var full = $"{module}.{name}";
        if (_vocabulary == PickleVocabulary.Torch)
        {
            return full switch
            {
                "collections.OrderedDict" => Callable.OrderedDict,
                "torch._utils._rebuild_tensor_v2" or "torch._utils._rebuild_tensor" => Callable.RebuildTensor,
                "torch._utils._rebuild_parameter" => Callable.RebuildParameter,
                _ when module == "torch" && TorchStorage.ElementSize(name) is not null => new TorchStorageType(name),
                _ => throw Fail($"refusing pickle global {full}: a PyTorch state_dict refers only to tensors, storages and OrderedDicts"),
            };
        }
        return full switch
        {
            "numpy.core.multiarray._reconstruct" or "numpy._core.multiarray._reconstruct" => Callable.Reconstruct,
            "numpy.core.numeric._frombuffer" or "numpy._core.numeric._frombuffer" => Callable.FromBuffer,
            "numpy.core.multiarray.scalar" or "numpy._core.multiarray.scalar" => Callable.Scalar,
            "numpy.dtype" => Callable.DType,
            "numpy.ndarray" => Callable.NdArrayClass,
            "_codecs.encode" => Callable.Encode,
            _ => throw Fail($"refusing pickle global {full}: a CIFAR-10 batch refers only to numpy arrays and dtypes"),
        };
    }

    private object? Reduce(object? callable, object? argsObject)
    {
        if (argsObject is not PyTuple { Items: var args }) throw Fail("malformed REDUCE: arguments are not a tuple");
        switch (callable)
        {
            case Callable.OrderedDict when args.Length == 0:
                return new PyDict();
            // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]);
            // _rebuild_tensor(storage, storage_offset, size, stride).
            case Callable.RebuildTensor when args.Length >= 4 && args[0] is TorchStorage storage && args[1] is long offset
                                             && args[2] is PyTuple size && args[3] is PyTuple stride:
                return new TorchTensorView(storage, offset, Dimensions(size), Dimensions(stride));
            // _rebuild_parameter(data, requires_grad, backward_hooks): the parameter's tensor.
            case Callable.RebuildParameter when args.Length >= 1 && args[0] is TorchTensorView data:
                return data;
            case Callable.Reconstruct when args.Length == 3 && args[0] is Callable.NdArrayClass:
                return new NdArray();
            case Callable.DType when args.Length >= 1 && args[0] is string or PyBytes:
                return new NdDType(Text(args[0]));
            case Callable.Encode when args.Length == 2 && args[0] is string s && Text(args[1]) is "latin1" or "latin-1":
                var encoded = new byte[s.Length];
                for (var i = 0; i < s.Length; i++)
                    encoded[i] = s[i] <= 0xff ? (byte)s[i] : throw Fail("malformed _codecs.encode: a character is outside latin-1");
                return new PyBytes(encoded, 0, encoded.Length);
            case Callable.FromBuffer when args.Length == 4 && args[0] is PyBytes buffer && args[1] is NdDType dtype && args[2] is PyTuple shape:
                return new NdArray { Shape = Dimensions(shape), DType = dtype, Fortran = Text(args[3]) == "F", Data = buffer };
            case Callable.Scalar when args.Length == 2 && args[0] is NdDType dtype && args[1] is PyBytes raw:
                return dtype.ReadInteger(raw, 0) ?? throw Fail($"numpy scalar of dtype {dtype} is not an integer");
            default:
                throw Fail($"malformed or unsupported call in pickle ({callable?.GetType().Name ?? "None"})");
        }
    }

    private void Build(object? target, object? state)
    {
        switch (target)
        {
            // An OrderedDict's attributes (a state_dict's _metadata: module versions): nothing a tensor needs.
            case PyDict when _vocabulary == PickleVocabulary.Torch:
                break;
            // ndarray.__setstate__((version, shape, dtype, is_fortran, rawdata)); old numpy omits the version.
            case NdArray array when state is PyTuple { Items: var s } && s.Length is 4 or 5:
                var o = s.Length - 4;
                if (s[o] is not PyTuple shape || s[o + 1] is not NdDType dtype || s[o + 2] is not (bool or long))
                    throw Fail("malformed numpy array state");
                if (s[o + 3] is not PyBytes data)
                    throw Fail("numpy array state holds no raw bytes (object arrays are not supported)");
                array.Shape = Dimensions(shape);
                array.DType = dtype;
                array.Fortran = s[o + 2] is true or 1L;
                array.Data = data;
                break;
            // dtype.__setstate__((version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])).
            case NdDType type when state is PyTuple { Items: var s } && s.Length >= 2:
                type.ByteOrder = Text(s[1]);
                break;
            default:
                throw Fail($"malformed BUILD on {target?.GetType().Name ?? "None"}");
        }
    }

    /// <summary>
    /// A storage as <c>torch.save</c>'s persistent id names it: <c>('storage', torch.FloatStorage, key, location, numel[,
    /// view_metadata])</c>; every tensor on the same key shares one storage, whose bytes follow the pickles.
    /// </summary>
    private TorchStorage PersistentLoad(object? pid)
    {
        if (_vocabulary != PickleVocabulary.Torch) throw Fail($"persistent id in pickle: {Expected} has none");
        if (pid is not PyTuple { Items: ["storage", TorchStorageType type, string key, string, long numel, ..] })
            throw Fail("unsupported persistent id: expected ('storage', type, key, location, size)");
        if (numel < 0) throw Fail($"storage {key} has a negative size {numel}");
        if (_storages.TryGetValue(key, out var known)) return known;
        return _storages[key] = new TorchStorage(key, type.Name, numel);
    }

    private long[] Dimensions(PyTuple shape) =>
        shape.Items.Select(d => d is long n && n >= 0 ? n : throw Fail("malformed shape")).ToArray();

    private string Text(object? value) => value switch
    {
        string s => s,
        PyBytes b => Encoding.Latin1.GetString(b.Span),
        _ => throw Fail($"expected a string, found {value?.GetType().Name ?? "None"}"),
    };

    private void AddPairs(PyDict dict, object?[] items)
    {
        if (items.Length % 2 != 0) throw Fail("malformed SETITEMS: odd number of items");
        for (var i = 0; i < items.Length; i += 2) dict.Add(new(items[i], items[i + 1]));
    }

    private PyList ListOnTop() => Peek() as PyList ?? throw Fail("malformed APPEND: the target is not a list");

    private PyDict DictOnTop() => Peek() as PyDict ?? throw Fail("malformed SETITEM: the target is not a dict");

    private void Memo(long key) => _memo[key] = Peek();

    private object? Recall(long key) => _memo.TryGetValue(key, out var v) ? v : throw Fail($"malformed pickle: memo {key} was never stored");

    private void Push(object? value) => _stack.Add(value);

    private object? Peek() => _stack.Count > (_marks.Count > 0 ? _marks[^1] : 0)
        ? _stack[^1]
        : throw Fail("malformed pickle: stack underflow");

    private object? Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object?[] PopN(int n)
    {
        var floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count - n < floor) throw Fail("malformed pickle: stack underflow");
        var items = _stack.GetRange(_stack.Count - n, n).ToArray();
        _stack.RemoveRange(_stack.Count - n, n);
        return items;
    }

    private object?[] PopMark()
    {
        if (_marks.Count == 0) throw Fail("malformed pickle: no MARK");
        var at = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(at, _stack.Count - at).ToArray();
        _stack.RemoveRange(at, _stack.Count - at);
        return items;
    }

    private byte ReadByte() => Take(1)[0];

    private ReadOnlySpan<byte> Take(long n)
    {
        Need(n);
        var span = _bytes.AsSpan(_pos, (int)n);
        _pos += (int)n;
        return span;
    }

    private void Skip(long n)
    {
        Need(n);
        _pos += (int)n;
    }

    private void Need(long n)
    {
        if (n > _bytes.Length - _pos)
            throw Fail($"truncated pickle: needs {n} more bytes at offset {_pos}, but the file ends at {_bytes.Length}");
    }

    private int ReadLength32(bool signed)
    {
        var raw = Take(4);
        var n = signed ? BinaryPrimitives.ReadInt32LittleEndian(raw) : (long)BinaryPrimitives.ReadUInt32LittleEndian(raw);
        if (n < 0) throw Fail($"malformed pickle: negative length {n}");
        Need(n);
        return (int)n;
    }

    private int ReadLength64()
    {
        var n = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        Need(n > int.MaxValue ? long.MaxValue : (long)n);
        return (int)n;
    }

    private PyBytes ReadBytes(int n)
    {
        Need(n);
        var b = new PyBytes(_bytes, _pos, n);
        _pos += n;
        return b;
    }

    private string ReadUnicode(int n) => Encoding.UTF8.GetString(Take(n));

    private object ReadLong(int n)
    {
        // Larger integers occur as magic numbers (torch.save's is 10 bytes), never as sizes.
        if (n > 8) return new BigInteger(Take(n), isUnsigned: false, isBigEndian: false);
        var raw = Take(n);
        long value = 0;
        for (var i = n - 1; i >= 0; i--) value = (value << 8) | raw[i];
        if (n is > 0 and < 8 && (raw[n - 1] & 0x80) != 0) value -= 1L << (8 * n); // two's complement sign
        return value;
    }

    private string ReadLine()
    {
        var end = Array.IndexOf(_bytes, (byte)'\n', _pos);
        if (end < 0 || end - _pos > 256) throw Fail($"truncated or malformed GLOBAL at offset {_pos}");
        var text = Encoding.ASCII.GetString(_bytes, _pos, end - _pos);
        _pos = end + 1;
        return text;
    }

    private PickleException Fail(string reason) =>
        new($"{_path}: {reason} (pickle opcode at byte {_opcodeAt})");

    private enum Callable
    {
        Reconstruct,
        FromBuffer,
        Scalar,
        DType,
        NdArrayClass,
        Encode,
        OrderedDict,
        RebuildTensor,
        RebuildParameter,
    }
}

/// <summary>A pickle this reader refuses: truncated, foreign, or beyond its vocabulary; the message names the file and offset.</summary>
public sealed class PickleException(string message) : Exception(message);

/// <summary>A torch storage class as a pickle names it (<c>torch.FloatStorage</c>).</summary>
internal sealed record TorchStorageType(string Name);

/// <summary>A torch storage: its key, element type and number of elements; its bytes come after the pickles.</summary>
internal sealed record TorchStorage(string Key, string Type, long Elements)
{
    /// <summary>Bytes per element of the storage class <paramref name="type"/> (<c>FloatStorage</c> …); null when unknown.</summary>
    public static int? ElementSize(string type) => type switch
    {
        "DoubleStorage" or "LongStorage" or "ComplexFloatStorage" => 8,
        "FloatStorage" or "IntStorage" => 4,
        "HalfStorage" or "BFloat16Storage" or "ShortStorage" => 2,
        "CharStorage" or "ByteStorage" or "BoolStorage" => 1,
        "ComplexDoubleStorage" => 16,
        _ => null,
    };
}

/// <summary>A tensor as pickled: a view (offset, size, stride in elements) of a <see cref="TorchStorage"/>.</summary>
internal sealed record TorchTensorView(TorchStorage Storage, long Offset, long[] Size, long[] Stride);

/// <summary>A Python byte string: a view into the file's bytes (no copy).</summary>
internal sealed record PyBytes(byte[] Buffer, int Offset, int Length)
{
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(Offset, Length);
}

internal sealed record PyTuple(object?[] Items);

internal sealed class PyList : List<object?>
{
    public PyList() { }

    public PyList(IEnumerable<object?> items) : base(items) { }
}

/// <summary>A Python dict in insertion order; keys may be str or bytes.</summary>
internal sealed class PyDict : List<KeyValuePair<object?, object?>>
{
    /// <summary>The value whose key is <paramref name="key"/> as str or as bytes.</summary>
    public bool TryGet(string key, out object? value)
    {
        foreach (var (k, v) in this)
        {
            if (k is string s && s == key || k is PyBytes b && b.Span.SequenceEqual(Encoding.ASCII.GetBytes(key)))
            {
                value = v;
                return true;
            }
        }
        value = null;
        return false;
    }
}

/// <summary>A numpy dtype as pickled: its type string (<c>u1</c>, <c>i8</c>, …) and byte order.</summary>
internal sealed class NdDType(string name)
{
    public string Name { get; } = name;

    public string ByteOrder { get; set; } = "=";

    /// <summary>Bytes per element for the integer kinds this reader understands; null otherwise.</summary>
    public int? IntegerSize => Name.TrimStart('<', '>', '|', '=') switch
    {
        "u1" or "i1" or "b1" or "uint8" or "int8" => 1,
        "u2" or "i2" or "uint16" or "int16" => 2,
        "u4" or "i4" or "uint32" or "int32" => 4,
        "u8" or "i8" or "uint64" or "int64" => 8,
        _ => null,
    };

    public bool IsUInt8 => Name.TrimStart('|', '=') is "u1" or "uint8";

    private bool Signed => Name.TrimStart('<', '>', '|', '=').StartsWith('i');

    private bool BigEndian => ByteOrder == ">" || Name.StartsWith('>');

    /// <summary>The integer at element <paramref name="index"/> of <paramref name="raw"/>, or null when this is not an integer dtype.</summary>
    public long? ReadInteger(PyBytes raw, long index)
    {
        if (IntegerSize is not { } size || (index + 1) * size > raw.Length) return null;
        var span = raw.Span.Slice((int)(index * size), size);
        return (size, Signed, BigEndian) switch
        {
            (1, false, _) => span[0],
            (1, true, _) => (sbyte)span[0],
            (2, false, false) => BinaryPrimitives.ReadUInt16LittleEndian(span),
            (2, false, true) => BinaryPrimitives.ReadUInt16BigEndian(span),
            (2, true, false) => BinaryPrimitives.ReadInt16LittleEndian(span),
            (2, true, true) => BinaryPrimitives.ReadInt16BigEndian(span),
            (4, false, false) => BinaryPrimitives.ReadUInt32LittleEndian(span),
            (4, false, true) => BinaryPrimitives.ReadUInt32BigEndian(span),
            (4, true, false) => BinaryPrimitives.ReadInt32LittleEndian(span),
            (4, true, true) => BinaryPrimitives.ReadInt32BigEndian(span),
            (8, _, false) => BinaryPrimitives.ReadInt64LittleEndian(span),
            _ => BinaryPrimitives.ReadInt64BigEndian(span),
        };
    }

    public override string ToString() => ByteOrder is "|" or "=" ? Name : ByteOrder + Name;
}

/// <summary>A numpy array as pickled: shape, dtype, memory order and raw bytes.</summary>
internal sealed class NdArray
{
    public long[] Shape { get; set; } = [];

    public NdDType? DType { get; set; }

    public bool Fortran { get; set; }

    public PyBytes? Data { get; set; }

    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
}
