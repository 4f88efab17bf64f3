using System.Buffers.Binary;
using System.Text;

namespace Atelier.GpuWorker.Tests.Cifar;

/// <summary>Writes small CIFAR-10 batches in both distribution formats, built from code (no files in the repository).</summary>
internal static class CifarFixtures
{
    /// <summary>Image <paramref name="i"/> of a fixture: every byte depends on the image, the channel and the position.</summary>
    public static byte[] Pixels(int count, int salt = 0)
    {
        var pixels = new byte[count * 3072];
        for (var i = 0; i < count; i++)
            for (var j = 0; j < 3072; j++)
                pixels[i * 3072 + j] = (byte)(i * 31 + j * 7 + salt);
        return pixels;
    }

    public static long[] Labels(int count, int salt = 0) => Enumerable.Range(0, count).Select(i => (long)((i * 3 + salt) % 10)).ToArray();

    /// <summary>A <c>cifar-10-batches-bin</c> batch: per record 1 label byte, then the 3072 pixel bytes.</summary>
    public static void WriteBinary(string path, byte[] pixels, long[] labels)
    {
        var bytes = new byte[labels.Length * 3073];
        for (var i = 0; i < labels.Length; i++)
        {
            bytes[i * 3073] = (byte)labels[i];
            pixels.AsSpan(i * 3072, 3072).CopyTo(bytes.AsSpan(i * 3073 + 1));
        }
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>A folder holding <c>data_batch_1..n</c> and <c>test_batch</c> in the chosen format.</summary>
    public static string WriteDataset(string folder, bool binary, int[] trainSizes, int testSize)
    {
        Directory.CreateDirectory(folder);
        var ext = binary ? ".bin" : "";
        for (var b = 0; b < trainSizes.Length; b++)
            Write(Path.Combine(folder, $"data_batch_{b + 1}{ext}"), Pixels(trainSizes[b], b), Labels(trainSizes[b], b));
        Write(Path.Combine(folder, "test_batch" + ext), Pixels(testSize, 99), Labels(testSize, 99));
        return folder;

        void Write(string path, byte[] pixels, long[] labels)
        {
            if (binary) WriteBinary(path, pixels, labels);
            else File.WriteAllBytes(path, Py2Pickle.CifarBatch(pixels, labels, "training batch 1 of 5"));
        }
    }
}

/// <summary>
/// Writes a CIFAR-10 python batch byte for byte as Python 2's <c>cPickle.dump(d, f, 2)</c> wrote the originals
/// (numpy 1.x's <c>ndarray.__reduce__</c>; cPickle memoises with BINPUT from 1 the dict, the keys, the globals,
/// the REDUCE results, the lists and the file names, but not one-character strings or the fresh tuples numpy
/// builds). The opcodes, in order:
/// <code>
/// \x80\x02 PROTO 2 · } EMPTY_DICT · q BINPUT · ( MARK
///   U\x04data q · c numpy.core.multiarray\n_reconstruct\n q · c numpy\nndarray\n q · K\x00 \x85 TUPLE1 ·
///   U\x01b · \x87 TUPLE3 · R REDUCE q · ( MARK · K\x01 · (N, 3072) as K/M/J ints + \x86 TUPLE2 ·
///   c numpy\ndtype\n q · U\x02u1 K\x00 K\x01 \x87 R q · ( K\x03 U\x01| N N N J(-1) J(-1) K\x00 t TUPLE · b BUILD ·
///   \x89 NEWFALSE · T BINSTRING (4-byte length, the raw N×3072 bytes) · t TUPLE · b BUILD
///   U\x06labels q · ] EMPTY_LIST q · per 1000 labels: ( K… e APPENDS (one left over: K… a APPEND)
///   U\x0bbatch_label q · U… q
///   U\x09filenames q · ] q · per 1000 names: ( U… q … e
/// u SETITEMS · . STOP
/// </code>
/// Memo indices above 255 use LONG_BINPUT (r, 4 bytes).
/// </summary>
internal sealed class Py2Pickle
{
    private readonly MemoryStream _out = new();
    private int _memo;

    public static byte[] CifarBatch(byte[] pixels, long[] labels, string batchLabel,
        string labelsKey = "labels", long? rows = null, int columns = 3072, string dtype = "u1")
    {
        var w = new Py2Pickle();
        w.Op(0x80).Op(2).Op('}').Put().Op('(');

        w.Str("data").Put();
        w.Global("numpy.core.multiarray", "_reconstruct").Global("numpy", "ndarray");
        w.Int(0).Op(0x85).Str("b").Op(0x87).Op('R').Put();
        w.Op('(').Int(1).Int(rows ?? labels.Length).Int(columns).Op(0x86);
        w.Global("numpy", "dtype").Str(dtype).Int(0).Int(1).Op(0x87).Op('R').Put();
        w.Op('(').Int(3).Str("|").Op('N').Op('N').Op('N').Int(-1).Int(-1).Int(0).Op('t').Op('b');
        w.Op(0x89).BinString(pixels).Op('t').Op('b');

        w.Str(labelsKey).Put();
        w.List(labels.Length, i => w.Int(labels[i]));
        w.Str("batch_label").Put().Str(batchLabel).Put();
        w.Str("filenames").Put();
        w.List(labels.Length, i => w.Str($"image_{i:D6}.png").Put());
        w.Op('u').Op('.');
        return w._out.ToArray();
    }

    private Py2Pickle Op(int opcode)
    {
        _out.WriteByte((byte)opcode);
        return this;
    }

    private Py2Pickle Op(char opcode) => Op((int)opcode);

    private Py2Pickle Raw(ReadOnlySpan<byte> bytes)
    {
        _out.Write(bytes);
        return this;
    }

    /// <summary>cPickle's save_int with protocol ≥ 1: BININT1, BININT2 or BININT.</summary>
    private Py2Pickle Int(long value)
    {
        Span<byte> b = stackalloc byte[4];
        if (value is >= 0 and < 256) return Op('K').Op((int)value);
        if (value is >= 0 and < 65536)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value);
            return Op('M').Raw(b[..2]);
        }
        BinaryPrimitives.WriteInt32LittleEndian(b, checked((int)value));
        return Op('J').Raw(b);
    }

    /// <summary>A Python 2 str: SHORT_BINSTRING below 256 bytes, else BINSTRING.</summary>
    private Py2Pickle Str(string text) => BinString(Encoding.Latin1.GetBytes(text));

    private Py2Pickle BinString(byte[] bytes)
    {
        if (bytes.Length < 256) return Op('U').Op(bytes.Length).Raw(bytes);
        Span<byte> n = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(n, bytes.Length);
        return Op('T').Raw(n).Raw(bytes);
    }

    private Py2Pickle Global(string module, string name) => Op('c').Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n")).Put();

    /// <summary>BINPUT (memo ids from 1, as cPickle numbers them) or LONG_BINPUT past 255.</summary>
    private Py2Pickle Put()
    {
        var id = ++_memo;
        if (id < 256) return Op('q').Op(id);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, id);
        return Op('r').Raw(b);
    }

    /// <summary>cPickle's batch_list: EMPTY_LIST, BINPUT, then items in batches of 1000.</summary>
    private void List(int count, Action<int> item)
    {
        Op(']').Put();
        for (var start = 0; start < count; start += 1000)
        {
            var n = Math.Min(1000, count - start);
            if (n > 1) Op('(');
            for (var i = start; i < start + n; i++) item(i);
            Op(n > 1 ? 'e' : 'a');
        }
    }
}
