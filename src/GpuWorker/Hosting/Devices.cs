namespace Atelier.GpuWorker.Hosting;

/// <summary>Which devices this worker drives: one slot per GPU, or N CPU slots.</summary>
public static class Devices
{
    public static IReadOnlyList<string> SlotDevices(WorkerSettings settings)
    {
        if (settings.Device != "cpu")
        {
            // Probing CUDA loads libtorch; skipped entirely when the worker is told to use the CPU.
            var gpus = TorchSharp.torch.cuda.is_available() ? TorchSharp.torch.cuda.device_count() : 0;
            if (gpus > 0) return Enumerable.Range(0, gpus).Select(i => $"cuda:{i}").ToList();
            if (settings.Device == "cuda")
                throw new InvalidOperationException("--device cuda was given but no CUDA device is available to TorchSharp");
        }
        return Enumerable.Repeat("cpu", settings.CpuSlots).ToList();
    }
}
