using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Jobs.Style;

/// <summary>
/// Converts between 8-bit RGB images and the normalised tensors VGG19 expects:
/// x = (rgb/255 − mean) / std with ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225),
/// shape (1, 3, H, W), float32.
/// </summary>
public static class ImageTensors
{
    public static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    /// <summary>The normalised (1, 3, H, W) float32 tensor of <paramref name="image"/> on <paramref name="device"/>.</summary>
    public static Tensor ToNormalized(Image<Rgb24> image, Device? device = null)
    {
        int w = image.Width, h = image.Height, plane = w * h;
        var data = new float[3 * plane];
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < h; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < w; x++)
                {
                    var i = y * w + x;
                    data[i] = row[x].R;
                    data[plane + i] = row[x].G;
                    data[2 * plane + i] = row[x].B;
                }
            }
        });
        // Same arithmetic order as torchvision: ToTensor (÷255) then Normalize ((v − mean) / std), in float32.
        for (var c = 0; c < 3; c++)
        {
            for (var i = c * plane; i < (c + 1) * plane; i++)
                data[i] = (data[i] / 255f - Mean[c]) / Std[c];
        }
        using var cpu = torch.tensor(data, [1, 3, h, w]);
        return device is null || device.type == DeviceType.CPU ? cpu.clone() : cpu.to(device);
    }

    /// <summary>
    /// The 8-bit RGB image of a normalised (1, 3, H, W) or (3, H, W) tensor: de-normalised, ×255, clamped and
    /// rounded half up (as torchvision's save_image does).
    /// </summary>
    public static Image<Rgb24> ToImage(Tensor normalized)
    {
        using var scope = torch.NewDisposeScope();
        var x = normalized.detach().cpu().to(ScalarType.Float32);
        if (x.dim() == 4) x = x[0];
        if (x.dim() != 3 || x.shape[0] != 3)
            throw new ArgumentException($"expected a (1, 3, H, W) or (3, H, W) tensor, got ({string.Join(", ", normalized.shape)})");
        var mean = torch.tensor(Mean).view(3, 1, 1);
        var std = torch.tensor(Std).view(3, 1, 1);
        var bytes = (x * std).Plus(mean).Times(255L).PlusNumber(0.5).Clamp(0, 255).to(ScalarType.Byte).contiguous();
        int h = (int)x.shape[1], w = (int)x.shape[2], plane = w * h;
        var data = bytes.data<byte>().ToArray();
        var image = new Image<Rgb24>(w, h);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < h; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var xx = 0; xx < w; xx++)
                {
                    var i = y * w + xx;
                    row[xx] = new Rgb24(data[i], data[plane + i], data[2 * plane + i]);
                }
            }
        });
        return image;
    }
}
