namespace Atelier.GpuWorker.Imaging;

/// <summary>An image file was refused: missing, too large, not PNG/JPEG, corrupt or truncated. The message names the file.</summary>
public sealed class ImageLoadException(string message, Exception? inner = null) : Exception(message, inner);
