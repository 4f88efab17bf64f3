using Atelier.GpuWorker.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>
/// Procedural demo images, so the job runs with nothing downloaded: <c>builtin:landscape</c> (a scene: sky, sun,
/// clouds, mountains, hills, a lake, trees and a house) and <c>builtin:swirls</c> (a painterly texture of brush
/// strokes following swirling flow, with glowing stars), and <c>builtin:blank</c> (white: the write-up's tip, "make
/// the content or the style image blank to get a feel for what the network produces"). Pure functions of the name and
/// size: the same pixels every time.
/// </summary>
public static class BuiltinImages
{
    public const string Prefix = "builtin:";

    /// <summary>The built-in image names (without the prefix).</summary>
    public static IReadOnlyList<string> Names { get; } = ["landscape", "swirls", "blank"];

    public static bool IsBuiltin(string source) => source.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Renders <paramref name="source"/> (<c>builtin:NAME</c>) at <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static Image<Rgb24> Render(string source, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var name = IsBuiltin(source) ? source[Prefix.Length..] : source;
        var pixels = name switch
        {
            "landscape" => Landscape(width, height),
            "swirls" => Swirls(width, height),
            "blank" => Enumerable.Repeat(new Rgb(1, 1, 1), width * height).ToArray(),
            _ => throw new ImageLoadException(
                $"'{source}' is not a built-in image; the built-in images are {string.Join(", ", Names.Select(n => Prefix + n))}"),
        };
        var image = new Image<Rgb24>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < width; x++)
                {
                    var p = pixels[y * width + x];
                    row[x] = new Rgb24(ToByte(p.X), ToByte(p.Y), ToByte(p.Z));
                }
            }
        });
        return image;
    }

    private static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round(v * 255f), 0, 255);

    private static Rgb[] Landscape(int w, int h)
    {
        var px = new Rgb[w * h];
        var aspect = (float)w / h;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                float u = (x + 0.5f) / w, v = (y + 0.5f) / h;
                px[y * w + x] = LandscapeAt(u, v, aspect);
            }
        }
        return px;
    }

    private static Rgb LandscapeAt(float u, float v, float aspect)
    {
        // Sky: deep blue at the top, pale near the horizon, a sun with a glow, soft clouds.
        var t = Math.Clamp(v / 0.6f, 0f, 1f);
        var sky = Rgb.Lerp(new(0.20f, 0.40f, 0.80f), new(0.92f, 0.86f, 0.78f), t * t);
        float sx = (u - 0.74f) * aspect, sy = v - 0.20f;
        var sunDistance = MathF.Sqrt(sx * sx + sy * sy);
        sky = Rgb.Lerp(sky, new(1f, 0.93f, 0.65f), MathF.Exp(-sunDistance * 9f) * 0.6f);
        if (sunDistance < 0.065f) sky = new(1f, 0.95f, 0.72f);
        var cloud = Noise.Fbm(u * 4f * aspect, v * 9f, 11);
        var cloudAmount = Smooth(0.55f, 0.75f, cloud) * (1f - Smooth(0.35f, 0.5f, v));
        var color = Rgb.Lerp(sky, new(0.97f, 0.97f, 0.98f), cloudAmount * 0.85f);

        // Far mountains with snow caps, then near hills.
        var ridge = 0.40f + 0.07f * MathF.Sin(u * 7.1f + 0.4f) + 0.04f * MathF.Sin(u * 17.3f + 1.3f)
                    + 0.03f * (Noise.Fbm(u * 6f, 0.5f, 3) - 0.5f);
        if (v > ridge)
        {
            var shade = 0.85f + 0.15f * MathF.Sin(u * 40f + v * 25f);
            color = Rgb.Lerp(new(0.42f, 0.46f, 0.58f), new(0.30f, 0.33f, 0.45f), Math.Clamp((v - ridge) * 6f, 0f, 1f)) * shade;
            if (v < ridge + 0.03f && ridge < 0.40f) color = new(0.93f, 0.94f, 0.97f);
        }
        var hill = 0.56f + 0.05f * MathF.Sin(u * 4.3f + 2.0f) + 0.02f * MathF.Sin(u * 11.7f);
        if (v > hill)
        {
            var grass = Noise.Fbm(u * 30f * aspect, v * 30f, 5);
            color = Rgb.Lerp(new(0.30f, 0.55f, 0.20f), new(0.18f, 0.38f, 0.12f), Math.Clamp((v - hill) * 2.5f + (grass - 0.5f) * 0.6f, 0f, 1f));
        }

        // A lake: an ellipse reflecting the sky, with ripples.
        float lx = (u - 0.38f) * aspect / 0.55f, ly = (v - 0.80f) / 0.11f;
        if (lx * lx + ly * ly < 1f)
        {
            var mirrored = Rgb.Lerp(new(0.20f, 0.40f, 0.80f), new(0.80f, 0.82f, 0.85f), Math.Clamp(1.2f - (v - 0.69f) * 5f, 0f, 1f));
            var ripple = 0.92f + 0.08f * MathF.Sin(v * 260f + 3f * MathF.Sin(u * 30f));
            color = mirrored * ripple;
        }

        // Conifers on the hills.
        ReadOnlySpan<float> treeU = [0.08f, 0.14f, 0.21f, 0.63f, 0.69f, 0.92f];
        ReadOnlySpan<float> treeSize = [0.16f, 0.12f, 0.14f, 0.13f, 0.17f, 0.15f];
        for (var i = 0; i < treeU.Length; i++)
        {
            var baseV = 0.56f + 0.05f * MathF.Sin(treeU[i] * 4.3f + 2.0f) + 0.02f * MathF.Sin(treeU[i] * 11.7f) + 0.06f;
            var top = baseV - treeSize[i];
            var halfWidth = (v - top) / treeSize[i] * 0.045f / aspect * 1.33f;
            if (v > top && v < baseV && MathF.Abs(u - treeU[i]) < halfWidth)
                color = new Rgb(0.08f, 0.26f, 0.12f) * (0.8f + 0.2f * MathF.Sin(v * 200f));
            if (v >= baseV && v < baseV + 0.03f && MathF.Abs(u - treeU[i]) < 0.006f)
                color = new(0.35f, 0.22f, 0.12f);
        }

        // A house with a red roof.
        float hx0 = 0.76f, hx1 = 0.86f, hTop = 0.58f, hBottom = 0.68f;
        if (u > hx0 && u < hx1 && v > hTop && v < hBottom)
        {
            color = new(0.90f, 0.85f, 0.72f);
            var window = (u > 0.785f && u < 0.805f || u > 0.835f && u < 0.855f) && v > 0.605f && v < 0.635f;
            var door = u > 0.808f && u < 0.828f && v > 0.63f;
            if (window) color = new(0.25f, 0.35f, 0.55f);
            if (door) color = new(0.45f, 0.25f, 0.15f);
        }
        var roofHalf = (v - 0.52f) / (hTop - 0.52f) * ((hx1 - hx0) / 2f + 0.01f);
        if (v > 0.52f && v <= hTop && MathF.Abs(u - (hx0 + hx1) / 2f) < roofHalf)
            color = new(0.70f, 0.16f, 0.12f);
        return color;
    }

    private static Rgb[] Swirls(int w, int h)
    {
        var px = new Rgb[w * h];
        var scale = Math.Min(w, h);
        // Background: a smooth colour field through the palette.
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                float u = (float)x / scale, v = (float)y / scale;
                px[y * w + x] = Palette(Noise.Fbm(u * 3f, v * 3f, 101) * 0.8f) * 0.8f;
            }
        }

        // Brush strokes on a jittered grid, following the flow, drawn as soft-edged capsules.
        var cell = Math.Max(2f, scale / 36f);
        var length = cell * 2.6f;
        var radius = Math.Max(0.8f, cell * 0.32f);
        var columns = (int)MathF.Ceiling(w / cell) + 2;
        var rowsCount = (int)MathF.Ceiling(h / cell) + 2;
        for (var layer = 0; layer < 2; layer++)
        {
            for (var j = -1; j < rowsCount; j++)
            {
                for (var i = -1; i < columns; i++)
                {
                    var cx = (i + Noise.Hash(i, j, 7 + layer)) * cell;
                    var cy = (j + Noise.Hash(i, j, 13 + layer)) * cell;
                    float u = cx / scale, v = cy / scale;
                    var angle = FlowAngle(u, v, w / (float)scale, h / (float)scale);
                    var tone = Noise.Fbm(u * 3f, v * 3f, 101) + (Noise.Hash(i, j, 29 + layer) - 0.5f) * 0.35f;
                    var color = Palette(tone) * (0.85f + 0.3f * Noise.Hash(i, j, 31 + layer));
                    Stroke(px, w, h, cx, cy, MathF.Cos(angle) * length / 2, MathF.Sin(angle) * length / 2, radius, color);
                }
            }
        }

        // Stars: bright cores with halos.
        ReadOnlySpan<float> starU = [0.18f, 0.52f, 0.83f, 0.35f, 0.70f];
        ReadOnlySpan<float> starV = [0.20f, 0.12f, 0.25f, 0.42f, 0.55f];
        for (var s = 0; s < starU.Length; s++)
        {
            float sx = starU[s] * w, sy = starV[s] * h, r = scale * (0.035f + 0.01f * (s % 3));
            var x0 = Math.Max(0, (int)(sx - 3 * r)); var x1 = Math.Min(w - 1, (int)(sx + 3 * r));
            var y0 = Math.Max(0, (int)(sy - 3 * r)); var y1 = Math.Min(h - 1, (int)(sy + 3 * r));
            for (var y = y0; y <= y1; y++)
            {
                for (var x = x0; x <= x1; x++)
                {
                    var d = MathF.Sqrt((x - sx) * (x - sx) + (y - sy) * (y - sy)) / r;
                    var ring = 0.5f + 0.5f * MathF.Cos(d * 6f);
                    var glow = d < 1f ? 1f : MathF.Max(0f, (3f - d) / 2f) * ring * 0.7f;
                    px[y * w + x] = Rgb.Lerp(px[y * w + x], d < 1f ? new(1f, 0.97f, 0.75f) : new(0.95f, 0.85f, 0.35f), glow);
                }
            }
        }
        return px;
    }

    /// <summary>A swirling flow: a few vortices of alternating spin plus a gentle wave, as an angle in radians.</summary>
    private static float FlowAngle(float u, float v, float width, float height)
    {
        ReadOnlySpan<float> vu = [0.30f, 0.65f, 0.85f, 0.20f];
        ReadOnlySpan<float> vv = [0.30f, 0.25f, 0.70f, 0.75f];
        float fx = 1.0f, fy = 0.25f * MathF.Sin(u * 6f);
        for (var k = 0; k < vu.Length; k++)
        {
            float dx = u - vu[k] * width, dy = v - vv[k] * height;
            var d2 = dx * dx + dy * dy + 0.01f;
            var spin = (k % 2 == 0 ? 1f : -1f) * 0.12f / d2;
            fx += -dy * spin;
            fy += dx * spin;
        }
        return MathF.Atan2(fy, fx) + (Noise.Fbm(u * 5f, v * 5f, 57) - 0.5f) * 0.8f;
    }

    private static void Stroke(Rgb[] px, int w, int h, float cx, float cy, float hx, float hy, float radius, Rgb color)
    {
        var x0 = Math.Max(0, (int)MathF.Floor(cx - MathF.Abs(hx) - radius - 1));
        var x1 = Math.Min(w - 1, (int)MathF.Ceiling(cx + MathF.Abs(hx) + radius + 1));
        var y0 = Math.Max(0, (int)MathF.Floor(cy - MathF.Abs(hy) - radius - 1));
        var y1 = Math.Min(h - 1, (int)MathF.Ceiling(cy + MathF.Abs(hy) + radius + 1));
        var lengthSquared = 4 * (hx * hx + hy * hy) + 1e-6f;
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                // Distance from the pixel centre to the segment (cx ± h).
                float px0 = x + 0.5f - (cx - hx), py0 = y + 0.5f - (cy - hy);
                var t = Math.Clamp((px0 * 2 * hx + py0 * 2 * hy) / lengthSquared, 0f, 1f);
                float dx = px0 - t * 2 * hx, dy = py0 - t * 2 * hy;
                var d = MathF.Sqrt(dx * dx + dy * dy);
                var coverage = Math.Clamp(radius + 0.5f - d, 0f, 1f) * 0.9f;
                // Bristle streaks along the stroke.
                var bristle = 0.9f + 0.1f * MathF.Sin((dx * hy - dy * hx) / (MathF.Sqrt(lengthSquared) * 0.5f + 1e-3f) * 4f);
                if (coverage > 0) px[y * w + x] = Rgb.Lerp(px[y * w + x], color * bristle, coverage);
            }
        }
    }

    /// <summary>Night blues through teal to ochre and pale yellow, for t in about [0, 1].</summary>
    private static Rgb Palette(float t)
    {
        ReadOnlySpan<float> stops = [0f, 0.35f, 0.55f, 0.72f, 0.85f, 1f];
        Rgb[] colors =
        [
            new(0.05f, 0.10f, 0.30f), new(0.12f, 0.25f, 0.60f), new(0.25f, 0.50f, 0.75f),
            new(0.45f, 0.65f, 0.70f), new(0.90f, 0.75f, 0.30f), new(0.98f, 0.95f, 0.75f),
        ];
        t = Math.Clamp(t, 0f, 1f);
        for (var i = 1; i < stops.Length; i++)
        {
            if (t <= stops[i]) return Rgb.Lerp(colors[i - 1], colors[i], (t - stops[i - 1]) / (stops[i] - stops[i - 1]));
        }
        return colors[^1];
    }

    private static float Smooth(float edge0, float edge1, float x)
    {
        var t = Math.Clamp((x - edge0) / (edge1 - edge0), 0f, 1f);
        return t * t * (3f - 2f * t);
    }

    private readonly record struct Rgb(float X, float Y, float Z)
    {
        public static Rgb Lerp(Rgb a, Rgb b, float t) => new(a.X + (b.X - a.X) * t, a.Y + (b.Y - a.Y) * t, a.Z + (b.Z - a.Z) * t);

        public static Rgb operator *(Rgb a, float s) => new(a.X * s, a.Y * s, a.Z * s);
    }

    /// <summary>Integer-hash value noise: deterministic, no global random state.</summary>
    private static class Noise
    {
        public static float Hash(int x, int y, int seed)
        {
            unchecked
            {
                var h = (uint)x * 0x8DA6B343u ^ (uint)y * 0xD8163841u ^ (uint)seed * 0xCB1AB31Fu;
                h ^= h >> 15;
                h *= 0x2C1B3C6Du;
                h ^= h >> 12;
                h *= 0x297A2D39u;
                h ^= h >> 15;
                return (h & 0xFFFFFF) / 16777216f;
            }
        }

        private static float Value(float x, float y, int seed)
        {
            int x0 = (int)MathF.Floor(x), y0 = (int)MathF.Floor(y);
            float fx = x - x0, fy = y - y0;
            fx = fx * fx * (3 - 2 * fx);
            fy = fy * fy * (3 - 2 * fy);
            var a = Hash(x0, y0, seed) + (Hash(x0 + 1, y0, seed) - Hash(x0, y0, seed)) * fx;
            var b = Hash(x0, y0 + 1, seed) + (Hash(x0 + 1, y0 + 1, seed) - Hash(x0, y0 + 1, seed)) * fx;
            return a + (b - a) * fy;
        }

        /// <summary>Four octaves of value noise, in [0, 1).</summary>
        public static float Fbm(float x, float y, int seed)
        {
            float sum = 0, amplitude = 0.5f, total = 0;
            for (var octave = 0; octave < 4; octave++)
            {
                sum += Value(x, y, seed + octave * 17) * amplitude;
                total += amplitude;
                x *= 2.03f;
                y *= 2.03f;
                amplitude *= 0.5f;
            }
            return sum / total;
        }
    }
}
