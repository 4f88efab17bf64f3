using System.Buffers.Binary;

namespace Atelier.GpuWorker.Imaging;

/// <summary>
/// Decodes JPEG (baseline and progressive Huffman, 8-bit, grayscale or 3-component) to RGB exactly as
/// libjpeg-turbo does with its defaults — and so as PIL and torchvision do: the accurate integer IDCT
/// (<c>JDCT_ISLOW</c>), "fancy" (triangular) chroma upsampling and libjpeg's fixed-point YCbCr→RGB tables.
/// ImageSharp's own decoder replicates chroma samples instead, which moves a subsampled photo's pixels by up to
/// ~50 levels at colour edges and its total variation by several percent; the loss values must agree with PyTorch's.
/// Anything else (arithmetic coding, lossless, 12-bit, CMYK) throws <see cref="NotSupportedException"/>; corrupt data
/// throws <see cref="InvalidDataException"/>. Callers identify, cap and validate the file first (see <see cref="ImageFiles"/>).
/// The IDCT, upsampling and colour conversion follow libjpeg-turbo's jidctint.c, jdsample.c and jdcolor.c (IJG/BSD licences).
/// </summary>
internal static class JpegPixels
{
    /// <summary>Progressive files with more scans than this are refused (libjpeg-turbo's tools use the same kind of limit).</summary>
    private const int MaxScans = 1000;

    private static readonly int[] ZigZag =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
        28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
        54, 47, 55, 62, 63,
        // Room for corrupt runs past the end, as libjpeg's jpeg_natural_order.
        63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
    ];

    /// <summary>Interleaved RGB bytes (3 per pixel, rows top to bottom).</summary>
    public static (byte[] Rgb, int Width, int Height) Decode(byte[] data)
    {
        var frame = new Frame(data);
        frame.Read();
        return frame.ToRgb();
    }

    private sealed class Component
    {
        public int Id, H, V, QuantTable, DcTable, AcTable;
        public int BlocksPerLine, BlocksPerColumn; // padded to whole MCUs
        public int Width, Height;                  // libjpeg's downsampled_width/height
        public short[] Coefficients = [];          // 64 per block, in natural order
        public int[]? Quant;                       // latched at the component's first scan
        public int Pred;
        public byte[] Plane = [];                  // BlocksPerLine·8 × BlocksPerColumn·8 samples
    }

    private sealed class HuffmanTable
    {
        public readonly int[] MaxCode = new int[18];
        public readonly int[] ValPtr = new int[17];
        public readonly int[] MinCode = new int[17];
        public byte[] Values = [];
        public readonly short[] Fast = new short[256]; // 8-bit lookahead: (length << 8) | value, or -1

        public static HuffmanTable Build(ReadOnlySpan<byte> counts, byte[] values)
        {
            var t = new HuffmanTable { Values = values };
            Array.Fill(t.Fast, (short)-1);
            int code = 0, k = 0;
            for (var l = 1; l <= 16; l++)
            {
                t.ValPtr[l] = k;
                t.MinCode[l] = code;
                for (var i = 0; i < counts[l - 1]; i++, k++, code++)
                {
                    if (l <= 8)
                    {
                        // Every 8-bit prefix starting with this code decodes to it.
                        var shift = 8 - l;
                        for (var p = code << shift; p < (code + 1) << shift; p++) t.Fast[p] = (short)((l << 8) | values[k]);
                    }
                }
                t.MaxCode[l] = counts[l - 1] > 0 ? code - 1 : -1;
                if (code > 1 << l) throw new InvalidDataException("bad Huffman table");
                code <<= 1;
            }
            t.MaxCode[17] = int.MaxValue;
            return t;
        }
    }

    private sealed class Frame(byte[] data)
    {
        private int _pos;
        private readonly int[][] _quant = new int[4][];
        private readonly HuffmanTable?[] _dc = new HuffmanTable?[4];
        private readonly HuffmanTable?[] _ac = new HuffmanTable?[4];
        private Component[] _components = [];
        private int _width, _height, _hMax, _vMax, _mcusX, _mcusY, _restartInterval, _scans;
        private bool _progressive, _jfif, _adobe, _sawFrame;
        private int _adobeTransform = -1;

        // Entropy-coded data reader.
        private int _bitBuffer, _bitCount;
        private bool _hitMarker;
        private int _eobRun;

        public void Read()
        {
            if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) throw new InvalidDataException("no start-of-image marker");
            _pos = 2;
            while (true)
            {
                var marker = NextMarker();
                switch (marker)
                {
                    case 0xD9: // EOI
                        if (!_sawFrame || _scans == 0) throw new InvalidDataException("no image data");
                        return;
                    case 0xC0 or 0xC1 or 0xC2:
                        ReadFrame(marker == 0xC2);
                        break;
                    case 0xC3 or >= 0xC5 and <= 0xC7 or >= 0xC9 and <= 0xCB or >= 0xCD and <= 0xCF:
                        throw new NotSupportedException($"JPEG process SOF{marker - 0xC0} (lossless, hierarchical or arithmetic coding)");
                    case 0xC4:
                        ReadHuffmanTables();
                        break;
                    case 0xDB:
                        ReadQuantTables();
                        break;
                    case 0xDD:
                        Segment(out var dri);
                        if (dri.Length < 2) throw new InvalidDataException("short DRI segment");
                        _restartInterval = BinaryPrimitives.ReadUInt16BigEndian(dri);
                        break;
                    case 0xDA:
                        ReadScan();
                        break;
                    case 0xE0:
                        Segment(out var app0);
                        if (app0.Length >= 5 && app0[..5].SequenceEqual("JFIF\0"u8)) _jfif = true;
                        break;
                    case 0xEE:
                        Segment(out var app14);
                        if (app14.Length >= 12 && app14[..5].SequenceEqual("Adobe"u8))
                        {
                            _adobe = true;
                            _adobeTransform = app14[11];
                        }
                        break;
                    case >= 0xD0 and <= 0xD7 or 0x01 or 0x00:
                        break; // stray marker without a segment, or stuffed data left after a scan
                    default:
                        Segment(out _);
                        break;
                }
            }
        }

        private int NextMarker()
        {
            // Skip anything up to the next 0xFF, then fill bytes.
            while (_pos < data.Length && data[_pos] != 0xFF) _pos++;
            while (_pos < data.Length && data[_pos] == 0xFF) _pos++;
            if (_pos >= data.Length) throw new InvalidDataException("truncated: no end-of-image marker");
            return data[_pos++];
        }

        private void Segment(out ReadOnlySpan<byte> payload)
        {
            if (_pos + 2 > data.Length) throw new InvalidDataException("truncated segment");
            var length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(_pos));
            if (length < 2 || _pos + length > data.Length) throw new InvalidDataException("bad segment length");
            payload = data.AsSpan(_pos + 2, length - 2);
            _pos += length;
        }

        private void ReadQuantTables()
        {
            Segment(out var s);
            while (s.Length > 0)
            {
                var precision = s[0] >> 4;
                var id = s[0] & 15;
                if (id > 3) throw new InvalidDataException("bad quantisation table id");
                var size = precision == 0 ? 64 : 128;
                if (s.Length < 1 + size) throw new InvalidDataException("short DQT segment");
                var table = new int[64];
                for (var i = 0; i < 64; i++)
                    table[ZigZag[i]] = precision == 0 ? s[1 + i] : BinaryPrimitives.ReadUInt16BigEndian(s[(1 + 2 * i)..]);
                _quant[id] = table;
                s = s[(1 + size)..];
            }
        }

        private void ReadHuffmanTables()
        {
            Segment(out var s);
            while (s.Length > 0)
            {
                if (s.Length < 17) throw new InvalidDataException("short DHT segment");
                var tableClass = s[0] >> 4;
                var id = s[0] & 15;
                if (id > 3 || tableClass > 1) throw new InvalidDataException("bad Huffman table id");
                var counts = s.Slice(1, 16);
                var total = 0;
                foreach (var c in counts) total += c;
                if (total > 256 || s.Length < 17 + total) throw new InvalidDataException("bad Huffman table");
                var table = HuffmanTable.Build(counts, s.Slice(17, total).ToArray());
                if (tableClass == 0) _dc[id] = table;
                else _ac[id] = table;
                s = s[(17 + total)..];
            }
        }

        private void ReadFrame(bool progressive)
        {
            if (_sawFrame) throw new InvalidDataException("more than one frame");
            _sawFrame = true;
            _progressive = progressive;
            Segment(out var s);
            if (s.Length < 6) throw new InvalidDataException("short SOF segment");
            if (s[0] != 8) throw new NotSupportedException($"{s[0]}-bit JPEG samples");
            _height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]);
            _width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]);
            var count = s[5];
            if (_width == 0 || _height == 0) throw new NotSupportedException("JPEG without a height in its frame header (DNL)");
            if (count is not (1 or 3)) throw new NotSupportedException($"JPEG with {count} components (CMYK/YCCK)");
            if (s.Length < 6 + 3 * count) throw new InvalidDataException("short SOF segment");
            _components = new Component[count];
            for (var i = 0; i < count; i++)
            {
                var c = s.Slice(6 + 3 * i, 3);
                _components[i] = new Component { Id = c[0], H = c[1] >> 4, V = c[1] & 15, QuantTable = c[2] };
                if (_components[i].H is < 1 or > 4 || _components[i].V is < 1 or > 4 || c[2] > 3)
                    throw new InvalidDataException("bad sampling factors");
            }
            _hMax = _components.Max(c => c.H);
            _vMax = _components.Max(c => c.V);
            _mcusX = (_width + 8 * _hMax - 1) / (8 * _hMax);
            _mcusY = (_height + 8 * _vMax - 1) / (8 * _vMax);
            foreach (var c in _components)
            {
                c.Width = (int)(((long)_width * c.H + _hMax - 1) / _hMax);
                c.Height = (int)(((long)_height * c.V + _vMax - 1) / _vMax);
                c.BlocksPerLine = _mcusX * c.H;
                c.BlocksPerColumn = _mcusY * c.V;
                c.Coefficients = new short[c.BlocksPerLine * c.BlocksPerColumn * 64];
            }
        }

        private void ReadScan()
        {
            if (!_sawFrame) throw new InvalidDataException("scan before frame header");
            if (++_scans > MaxScans) throw new InvalidDataException($"more than {MaxScans} scans");
            Segment(out var s);
            if (s.Length < 1) throw new InvalidDataException("short SOS segment");
            var count = s[0];
            if (count < 1 || count > 4 || s.Length < 1 + 2 * count + 3) throw new InvalidDataException("bad SOS segment");
            var scan = new Component[count];
            for (var i = 0; i < count; i++)
            {
                var id = s[1 + 2 * i];
                var c = _components.FirstOrDefault(x => x.Id == id) ?? throw new InvalidDataException($"scan names unknown component {id}");
                c.DcTable = s[2 + 2 * i] >> 4;
                c.AcTable = s[2 + 2 * i] & 15;
                if (c.DcTable > 3 || c.AcTable > 3) throw new InvalidDataException("bad table selector");
                c.Quant ??= _quant[c.QuantTable] ?? throw new InvalidDataException($"no quantisation table {c.QuantTable}");
                scan[i] = c;
            }
            int ss = s[1 + 2 * count], se = s[2 + 2 * count], ah = s[3 + 2 * count] >> 4, al = s[3 + 2 * count] & 15;
            if (!_progressive) { ss = 0; se = 63; ah = 0; al = 0; }
            else if (ss > se || se > 63 || (ss == 0 && se != 0) || (ss > 0 && count != 1) || al > 13)
                throw new InvalidDataException("bad progressive scan parameters");

            foreach (var c in scan) c.Pred = 0;
            _eobRun = 0;
            ResetBits();

            var single = count == 1;
            var c0 = scan[0];
            var unitsX = single ? (c0.Width + 7) / 8 : _mcusX;
            var unitsY = single ? (c0.Height + 7) / 8 : _mcusY;
            var total = unitsX * unitsY;
            var restartsLeft = _restartInterval;
            for (var unit = 0; unit < total; unit++)
            {
                if (_restartInterval > 0)
                {
                    if (restartsLeft == 0)
                    {
                        Restart();
                        foreach (var c in scan) c.Pred = 0;
                        _eobRun = 0;
                        restartsLeft = _restartInterval;
                    }
                    restartsLeft--;
                }
                int ux = unit % unitsX, uy = unit / unitsX;
                if (single)
                {
                    DecodeBlock(c0, uy * c0.BlocksPerLine + ux, ss, se, ah, al);
                    continue;
                }
                foreach (var c in scan)
                {
                    for (var v = 0; v < c.V; v++)
                    for (var h = 0; h < c.H; h++)
                        DecodeBlock(c, (uy * c.V + v) * c.BlocksPerLine + ux * c.H + h, ss, se, ah, al);
                }
            }
            // Leave the reader at the next marker.
            _pos = Math.Min(_pos, data.Length);
        }

        private void DecodeBlock(Component c, int block, int ss, int se, int ah, int al)
        {
            var coef = c.Coefficients.AsSpan(block * 64, 64);
            if (!_progressive)
            {
                var t = Decode(_dc[c.DcTable]);
                var diff = t == 0 ? 0 : Extend(Receive(t), t);
                c.Pred += diff;
                coef[0] = (short)c.Pred;
                var ac = _ac[c.AcTable];
                for (var k = 1; k < 64; k++)
                {
                    var rs = Decode(ac);
                    int r = rs >> 4, sz = rs & 15;
                    if (sz == 0)
                    {
                        if (r != 15) break;
                        k += 15;
                        continue;
                    }
                    k += r;
                    coef[ZigZag[Math.Min(k, 79)]] = (short)Extend(Receive(sz), sz);
                }
                return;
            }

            if (ss == 0)
            {
                if (ah == 0)
                {
                    var t = Decode(_dc[c.DcTable]);
                    var diff = t == 0 ? 0 : Extend(Receive(t), t);
                    c.Pred += diff;
                    coef[0] = (short)(c.Pred << al);
                }
                else if (Bit() != 0)
                {
                    coef[0] |= (short)(1 << al);
                }
                return;
            }

            var table = _ac[c.AcTable];
            if (ah == 0)
            {
                if (_eobRun > 0)
                {
                    _eobRun--;
                    return;
                }
                for (var k = ss; k <= se; k++)
                {
                    var rs = Decode(table);
                    int r = rs >> 4, sz = rs & 15;
                    if (sz != 0)
                    {
                        k += r;
                        coef[ZigZag[Math.Min(k, 79)]] = (short)(Extend(Receive(sz), sz) * (1 << al));
                    }
                    else if (r == 15)
                    {
                        k += 15;
                    }
                    else
                    {
                        _eobRun = 1 << r;
                        if (r > 0) _eobRun += Receive(r);
                        _eobRun--;
                        break;
                    }
                }
                return;
            }

            // Successive-approximation refinement of AC coefficients (libjpeg's decode_mcu_AC_refine).
            int p1 = 1 << al, m1 = -1 << al;
            var kk = ss;
            if (_eobRun == 0)
            {
                for (; kk <= se; kk++)
                {
                    var rs = Decode(table);
                    int r = rs >> 4, sz = rs & 15, value = 0;
                    if (sz != 0)
                    {
                        if (sz != 1) throw new InvalidDataException("bad refinement value");
                        value = Bit() != 0 ? p1 : m1;
                    }
                    else if (r != 15)
                    {
                        _eobRun = 1 << r;
                        if (r > 0) _eobRun += Receive(r);
                        break;
                    }
                    do
                    {
                        ref var current = ref coef[ZigZag[kk]];
                        if (current != 0)
                        {
                            if (Bit() != 0 && (current & p1) == 0) current = (short)(current >= 0 ? current + p1 : current + m1);
                        }
                        else if (--r < 0)
                        {
                            break;
                        }
                        kk++;
                    } while (kk <= se);
                    if (value != 0 && kk <= 63) coef[ZigZag[kk]] = (short)value;
                }
            }
            if (_eobRun > 0)
            {
                for (; kk <= se; kk++)
                {
                    ref var current = ref coef[ZigZag[kk]];
                    if (current != 0 && Bit() != 0 && (current & p1) == 0) current = (short)(current >= 0 ? current + p1 : current + m1);
                }
                _eobRun--;
            }
        }

        private void ResetBits()
        {
            _bitBuffer = 0;
            _bitCount = 0;
            _hitMarker = false;
        }

        private void Restart()
        {
            // Discard the partial byte, then expect RSTn (libjpeg resynchronises leniently; so do we).
            ResetBits();
            while (_pos + 1 < data.Length && !(data[_pos] == 0xFF && data[_pos + 1] is >= 0xD0 and <= 0xD7)) _pos++;
            if (_pos + 1 < data.Length) _pos += 2;
        }

        private int Bit()
        {
            if (_bitCount == 0) Fill();
            _bitCount--;
            return (_bitBuffer >> _bitCount) & 1;
        }

        private int Receive(int length)
        {
            var v = 0;
            for (var i = 0; i < length; i++) v = (v << 1) | Bit();
            return v;
        }

        private static int Extend(int v, int t) => v < 1 << (t - 1) ? v - (1 << t) + 1 : v;

        private void Fill()
        {
            // One byte at a time; 0xFF 0x00 is a stuffed 0xFF. At a marker, supply zeros (as libjpeg does).
            var b = 0;
            if (!_hitMarker && _pos < data.Length)
            {
                b = data[_pos];
                if (b == 0xFF)
                {
                    var next = _pos + 1 < data.Length ? data[_pos + 1] : 0xD9;
                    if (next == 0x00)
                    {
                        _pos += 2;
                    }
                    else
                    {
                        _hitMarker = true;
                        b = 0;
                    }
                }
                else
                {
                    _pos++;
                }
            }
            _bitBuffer = ((_bitBuffer << 8) | b) & 0xFFFF;
            _bitCount += 8;
        }

        private int Decode(HuffmanTable? table)
        {
            if (table is null) throw new InvalidDataException("scan uses an undefined Huffman table");
            // Fast path: look at the next 8 bits.
            if (_bitCount < 8) { Fill(); }
            var peek = (_bitBuffer >> (_bitCount - 8)) & 0xFF;
            var fast = table.Fast[peek];
            if (fast >= 0)
            {
                _bitCount -= fast >> 8;
                return fast & 0xFF;
            }
            var code = 0;
            for (var l = 1; l <= 16; l++)
            {
                code = (code << 1) | Bit();
                if (code <= table.MaxCode[l]) return table.Values[table.ValPtr[l] + code - table.MinCode[l]];
            }
            throw new InvalidDataException("bad Huffman code");
        }

        public (byte[] Rgb, int Width, int Height) ToRgb()
        {
            foreach (var c in _components) InverseDct(c);
            var rgb = new byte[_width * _height * 3];
            if (_components.Length == 1)
            {
                var c = _components[0];
                var stride = c.BlocksPerLine * 8;
                for (var y = 0; y < _height; y++)
                for (var x = 0; x < _width; x++)
                {
                    var g = c.Plane[y * stride + x];
                    var o = (y * _width + x) * 3;
                    rgb[o] = rgb[o + 1] = rgb[o + 2] = g;
                }
                return (rgb, _width, _height);
            }

            var planes = _components.Select(Upsample).ToArray();
            var isRgb = _jfif ? false : _adobe ? _adobeTransform == 0
                : _components[0].Id == 82 && _components[1].Id == 71 && _components[2].Id == 66;
            for (var i = 0; i < _width * _height; i++)
            {
                int y = planes[0][i], cb = planes[1][i], cr = planes[2][i];
                if (isRgb)
                {
                    rgb[3 * i] = (byte)y;
                    rgb[3 * i + 1] = (byte)cb;
                    rgb[3 * i + 2] = (byte)cr;
                    continue;
                }
                rgb[3 * i] = Clamp(y + ColorTables.CrR[cr]);
                rgb[3 * i + 1] = Clamp(y + (int)((ColorTables.CbG[cb] + ColorTables.CrG[cr]) >> 16));
                rgb[3 * i + 2] = Clamp(y + ColorTables.CbB[cb]);
            }
            return (rgb, _width, _height);
        }

        private static byte Clamp(int v) => (byte)(v < 0 ? 0 : v > 255 ? 255 : v);

        /// <summary>
        /// The component at full resolution (width × height), as libjpeg-turbo's jdsample.c: full size as is; 2×1 and
        /// 2×2 with the triangular "fancy" filter when the component is wider than 2 samples; 1×2 fancy; anything else
        /// by replication. Rows above the first and below the last real row repeat those rows (jdmainct.c).
        /// </summary>
        private byte[] Upsample(Component c)
        {
            int hExpand = _hMax / c.H, vExpand = _vMax / c.V;
            if (_hMax % c.H != 0 || _vMax % c.V != 0) throw new NotSupportedException("fractional sampling factors");
            var stride = c.BlocksPerLine * 8;
            var src = c.Plane;
            var outWidthFull = c.Width * hExpand;
            var result = new byte[_width * _height];
            int Row(int r) => Math.Clamp(r, 0, c.Height - 1) * stride;

            var fancyH2 = hExpand == 2 && c.Width > 2;
            var line = new byte[Math.Max(outWidthFull, _width) + 2];
            for (var y = 0; y < _height; y++)
            {
                var inRow = y / vExpand;
                if (hExpand == 1 && vExpand == 1)
                {
                    Array.Copy(src, Row(inRow), result, y * _width, _width);
                    continue;
                }
                if (hExpand == 2 && vExpand == 1 && fancyH2)
                {
                    H2V1Fancy(src, Row(inRow), c.Width, line);
                }
                else if (hExpand == 1 && vExpand == 2)
                {
                    // 3/4 nearer row + 1/4 further row, rounding biased 1 (above) and 2 (below).
                    var below = (y & 1) == 1;
                    int near = Row(inRow), far = Row(below ? inRow + 1 : inRow - 1), bias = below ? 2 : 1;
                    for (var x = 0; x < c.Width; x++) line[x] = (byte)((src[near + x] * 3 + src[far + x] + bias) >> 2);
                }
                else if (hExpand == 2 && vExpand == 2 && fancyH2)
                {
                    H2V2Fancy(src, Row(inRow), Row((y & 1) == 1 ? inRow + 1 : inRow - 1), c.Width, line);
                }
                else
                {
                    var r = Row(inRow);
                    for (var x = 0; x < _width; x++) line[x] = src[r + x / hExpand];
                }
                Array.Copy(line, 0, result, y * _width, _width);
            }
            return result;
        }

        private static void H2V1Fancy(byte[] src, int row, int width, byte[] output)
        {
            int o = 0, invalue = src[row];
            output[o++] = (byte)invalue;
            output[o++] = (byte)((invalue * 3 + src[row + 1] + 2) >> 2);
            for (var i = 1; i < width - 1; i++)
            {
                invalue = src[row + i] * 3;
                output[o++] = (byte)((invalue + src[row + i - 1] + 1) >> 2);
                output[o++] = (byte)((invalue + src[row + i + 1] + 2) >> 2);
            }
            invalue = src[row + width - 1];
            output[o++] = (byte)((invalue * 3 + src[row + width - 2] + 1) >> 2);
            output[o] = (byte)invalue;
        }

        private static void H2V2Fancy(byte[] src, int near, int far, int width, byte[] output)
        {
            int o = 0;
            int thisColSum = src[near] * 3 + src[far];
            int nextColSum = src[near + 1] * 3 + src[far + 1];
            output[o++] = (byte)((thisColSum * 4 + 8) >> 4);
            output[o++] = (byte)((thisColSum * 3 + nextColSum + 7) >> 4);
            int lastColSum = thisColSum;
            thisColSum = nextColSum;
            for (var i = 2; i < width; i++)
            {
                nextColSum = src[near + i] * 3 + src[far + i];
                output[o++] = (byte)((thisColSum * 3 + lastColSum + 8) >> 4);
                output[o++] = (byte)((thisColSum * 3 + nextColSum + 7) >> 4);
                lastColSum = thisColSum;
                thisColSum = nextColSum;
            }
            output[o++] = (byte)((thisColSum * 3 + lastColSum + 8) >> 4);
            output[o] = (byte)((thisColSum * 4 + 7) >> 4);
        }

        private static void InverseDct(Component c)
        {
            var stride = c.BlocksPerLine * 8;
            c.Plane = new byte[stride * c.BlocksPerColumn * 8];
            var quant = c.Quant ?? new int[64]; // a component no scan carried stays mid-grey, as in libjpeg
            Span<int> workspace = stackalloc int[64];
            for (var by = 0; by < c.BlocksPerColumn; by++)
            for (var bx = 0; bx < c.BlocksPerLine; bx++)
            {
                var block = (by * c.BlocksPerLine + bx) * 64;
                IdctIslow(c.Coefficients.AsSpan(block, 64), quant, c.Plane, by * 8 * stride + bx * 8, stride, workspace);
            }
        }

        // libjpeg's jpeg_idct_islow: CONST_BITS 13, PASS1_BITS 2.
        private const int ConstBits = 13, Pass1Bits = 2;
        private const long Fix0298631336 = 2446, Fix0390180644 = 3196, Fix0541196100 = 4433, Fix0765366865 = 6270,
            Fix0899976223 = 7373, Fix1175875602 = 9633, Fix1501321110 = 12299, Fix1847759065 = 15137,
            Fix1961570560 = 16069, Fix2053119869 = 16819, Fix2562915447 = 20995, Fix3072711026 = 25172;

        private static long Descale(long x, int n) => (x + (1L << (n - 1))) >> n;

        /// <summary>libjpeg's post-IDCT range limit: x + 128 clamped to 0..255, with its wrap-around outside ±512.</summary>
        private static byte RangeLimit(long x)
        {
            var i = (int)(x & 1023);
            return (byte)(i < 128 ? i + 128 : i < 512 ? 255 : i < 896 ? 0 : i - 896);
        }

        private static void IdctIslow(ReadOnlySpan<short> coef, int[] quant, byte[] output, int offset, int stride, Span<int> ws)
        {
            for (var col = 0; col < 8; col++)
            {
                if (coef[8 + col] == 0 && coef[16 + col] == 0 && coef[24 + col] == 0 && coef[32 + col] == 0 &&
                    coef[40 + col] == 0 && coef[48 + col] == 0 && coef[56 + col] == 0)
                {
                    var dc = coef[col] * quant[col] << Pass1Bits;
                    for (var r = 0; r < 8; r++) ws[r * 8 + col] = dc;
                    continue;
                }
                long z2 = coef[16 + col] * quant[16 + col], z3 = coef[48 + col] * quant[48 + col];
                var z1 = (z2 + z3) * Fix0541196100;
                var tmp2 = z1 + z3 * -Fix1847759065;
                var tmp3 = z1 + z2 * Fix0765366865;
                z2 = coef[col] * quant[col];
                z3 = coef[32 + col] * quant[32 + col];
                var tmp0 = (z2 + z3) << ConstBits;
                var tmp1 = (z2 - z3) << ConstBits;
                long tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;

                tmp0 = coef[56 + col] * quant[56 + col];
                tmp1 = coef[40 + col] * quant[40 + col];
                tmp2 = coef[24 + col] * quant[24 + col];
                tmp3 = coef[8 + col] * quant[8 + col];
                OddPart(ref tmp0, ref tmp1, ref tmp2, ref tmp3);

                const int shift = ConstBits - Pass1Bits;
                ws[col] = (int)Descale(tmp10 + tmp3, shift);
                ws[56 + col] = (int)Descale(tmp10 - tmp3, shift);
                ws[8 + col] = (int)Descale(tmp11 + tmp2, shift);
                ws[48 + col] = (int)Descale(tmp11 - tmp2, shift);
                ws[16 + col] = (int)Descale(tmp12 + tmp1, shift);
                ws[40 + col] = (int)Descale(tmp12 - tmp1, shift);
                ws[24 + col] = (int)Descale(tmp13 + tmp0, shift);
                ws[32 + col] = (int)Descale(tmp13 - tmp0, shift);
            }

            for (var row = 0; row < 8; row++)
            {
                var w = ws.Slice(row * 8, 8);
                var o = offset + row * stride;
                const int shift = ConstBits + Pass1Bits + 3;
                long z2 = w[2], z3 = w[6];
                var z1 = (z2 + z3) * Fix0541196100;
                var tmp2 = z1 + z3 * -Fix1847759065;
                var tmp3 = z1 + z2 * Fix0765366865;
                var tmp0 = ((long)w[0] + w[4]) << ConstBits;
                var tmp1 = ((long)w[0] - w[4]) << ConstBits;
                long tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
                tmp0 = w[7];
                tmp1 = w[5];
                tmp2 = w[3];
                tmp3 = w[1];
                OddPart(ref tmp0, ref tmp1, ref tmp2, ref tmp3);
                output[o] = RangeLimit(Descale(tmp10 + tmp3, shift));
                output[o + 7] = RangeLimit(Descale(tmp10 - tmp3, shift));
                output[o + 1] = RangeLimit(Descale(tmp11 + tmp2, shift));
                output[o + 6] = RangeLimit(Descale(tmp11 - tmp2, shift));
                output[o + 2] = RangeLimit(Descale(tmp12 + tmp1, shift));
                output[o + 5] = RangeLimit(Descale(tmp12 - tmp1, shift));
                output[o + 3] = RangeLimit(Descale(tmp13 + tmp0, shift));
                output[o + 4] = RangeLimit(Descale(tmp13 - tmp0, shift));
            }
        }

        private static void OddPart(ref long tmp0, ref long tmp1, ref long tmp2, ref long tmp3)
        {
            var z1 = tmp0 + tmp3;
            var z2 = tmp1 + tmp2;
            var z3 = tmp0 + tmp2;
            var z4 = tmp1 + tmp3;
            var z5 = (z3 + z4) * Fix1175875602;
            tmp0 *= Fix0298631336;
            tmp1 *= Fix2053119869;
            tmp2 *= Fix3072711026;
            tmp3 *= Fix1501321110;
            z1 *= -Fix0899976223;
            z2 *= -Fix2562915447;
            z3 *= -Fix1961570560;
            z4 *= -Fix0390180644;
            z3 += z5;
            z4 += z5;
            tmp0 += z1 + z3;
            tmp1 += z2 + z4;
            tmp2 += z2 + z3;
            tmp3 += z1 + z4;
        }
    }

    /// <summary>libjpeg's YCbCr→RGB tables (jdcolor.c, SCALEBITS 16).</summary>
    private static class ColorTables
    {
        public static readonly int[] CrR = new int[256], CbB = new int[256];
        public static readonly long[] CrG = new long[256], CbG = new long[256];

        static ColorTables()
        {
            static long Fix(double x) => (long)(x * 65536 + 0.5);
            const long half = 1L << 15;
            for (int i = 0, x = -128; i < 256; i++, x++)
            {
                CrR[i] = (int)((Fix(1.40200) * x + half) >> 16);
                CbB[i] = (int)((Fix(1.77200) * x + half) >> 16);
                CrG[i] = -Fix(0.71414) * x;
                CbG[i] = -Fix(0.34414) * x + half;
            }
        }
    }
}
