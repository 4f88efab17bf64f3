using System.Runtime.ExceptionServices;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// Single-process data parallelism for <see cref="CifarTrainer"/>, as PyTorch's <c>nn.DataParallel</c>: the master
/// model and its <see cref="FlatSgd"/> stay on device 0 and train on the first chunk of each batch, one
/// <see cref="Vgg19Cifar"/> replica per further device trains on its own contiguous chunk on a thread of its own, the
/// replicas' gradients are summed into the master's, one optimiser step runs on device 0, and the master's parameters
/// and buffers are copied to every replica. Each chunk's mean loss is scaled by its share of the batch before the
/// backward pass, so the sum is the gradient of the whole batch's mean loss. BatchNorm normalises each chunk with its
/// own statistics; the running statistics are the master's (the replicas' are overwritten), as in PyTorch.
/// </summary>
/// <remarks>
/// Parameters, gradients and buffers of each replica are views into flat buffers laid out as the master's
/// (<see cref="FlatSgd.Values"/>), so summing the gradients and broadcasting the weights are one copy per device.
/// </remarks>
public sealed class DataParallel : IDisposable
{
    private readonly Vgg19Cifar _master;
    private readonly FlatSgd _optimizer;
    private readonly Device _device;
    private readonly List<Tensor>[] _masterBuffers; // grouped by dtype, in the order of each replica's flat buffers
    private readonly Replica[] _replicas;

    /// <param name="master">The model on <paramref name="devices"/>[0], whose parameters <paramref name="optimizer"/> holds.</param>
    /// <param name="parameterNames">The names of <see cref="FlatSgd.Parameters"/>, in their order.</param>
    /// <param name="devices">All devices, the master's first; repeats are allowed (replicas then share a device).</param>
    /// <param name="create">Builds a model like the master (its weights are then overwritten).</param>
    public DataParallel(Vgg19Cifar master, FlatSgd optimizer, IReadOnlyList<string> parameterNames, IReadOnlyList<Device> devices, Func<Vgg19Cifar> create)
    {
        if (devices.Count < 2) throw new ArgumentException("data parallelism needs at least two devices", nameof(devices));
        _master = master;
        _optimizer = optimizer;
        _device = devices[0];
        var bufferNames = master.named_buffers().ToList();
        var groups = bufferNames.GroupBy(b => b.buffer.dtype).Select(g => g.Select(b => b.name).ToList()).ToList();
        var masterBuffers = bufferNames.ToDictionary(b => b.name, b => b.buffer);
        _masterBuffers = groups.Select(g => g.Select(name => masterBuffers[name]).ToList()).ToArray();

        var replicas = new List<Replica>();
        try
        {
            for (var i = 1; i < devices.Count; i++)
                replicas.Add(new Replica(create(), devices[i], _device, parameterNames, groups, i));
        }
        catch
        {
            foreach (var r in replicas) r.Dispose();
            throw;
        }
        _replicas = [.. replicas];
        Broadcast();
    }

    /// <summary>How many devices have replicas besides the master's.</summary>
    public int ReplicaCount => _replicas.Length;

    /// <summary>Each replica's model (tests compare them with the master).</summary>
    public IReadOnlyList<Vgg19Cifar> Replicas => _replicas.Select(r => r.Model).ToList();

    /// <summary>The live-tensor count of each replica's thread after its last chunk (to check that nothing leaks there).</summary>
    internal IReadOnlyList<long> ReplicaThreadLiveTensors => _replicas.Select(r => r.LiveTensors).ToList();

    /// <summary>
    /// How many of <paramref name="devices"/> a batch of <paramref name="count"/> images is split over: all, or fewer
    /// when a chunk would hold less than two images (BatchNorm cannot train on one).
    /// </summary>
    public static int ChunksFor(long count, int devices) => (int)Math.Clamp(count / 2, 1, devices);

    /// <summary>Chunk <paramref name="index"/> of <paramref name="count"/> images split into <paramref name="chunks"/> contiguous chunks whose sizes differ by at most one.</summary>
    public static (long Start, long Count) Chunk(long count, int chunks, int index)
    {
        long size = count / chunks, extra = count % chunks;
        return (index * size + Math.Min(index, extra), size + (index < extra ? 1 : 0));
    }

    /// <summary>
    /// One optimisation step with learning rate <paramref name="lr"/> on a batch on device 0, adding its summed loss to
    /// <paramref name="lossSum"/> and its correct predictions to <paramref name="hits"/> (both on device 0), then
    /// copying the master's weights and buffers to every replica.
    /// </summary>
    public void Step(Tensor images, Tensor labels, Tensor lossSum, Tensor hits, double lr)
    {
        using var scope = NewDisposeScope();
        var count = labels.shape[0];
        var chunks = ChunksFor(count, 1 + _replicas.Length);
        _optimizer.ZeroGrad();
        for (var i = 1; i < chunks; i++)
        {
            var replica = _replicas[i - 1];
            var (start, size) = Chunk(count, chunks, i);
            if (replica.Model.training != _master.training) replica.Model.train(_master.training);
            replica.Lane.Start(() => replica.Train(images, labels, start, size, count));
        }
        try
        {
            var (start, size) = Chunk(count, chunks, 0);
            var (loss, correct) = TrainChunk(_master, _device, images, labels, start, size, count);
            using var _ = no_grad();
            lossSum.Plus_(loss);
            hits.Plus_(correct);
        }
        finally
        {
            // Never leave with a replica still reading this step's tensors.
            for (var i = 1; i < chunks; i++) _replicas[i - 1].Lane.Join();
        }
        for (var i = 1; i < chunks; i++) _replicas[i - 1].Lane.ThrowIfFailed();

        using (no_grad())
        {
            var gradients = _optimizer.Gradients;
            for (var i = 1; i < chunks; i++)
            {
                var replica = _replicas[i - 1];
                gradients.Plus_(replica.GradientsOnMaster);
                lossSum.Plus_(replica.Loss.to(_device));
                hits.Plus_(replica.Hits.to(_device));
            }
        }
        _optimizer.Step(lr);
        Broadcast();
    }

    /// <summary>Copies the master's parameters and buffers (BatchNorm running statistics) to every replica.</summary>
    /// <summary>
    /// Seeds each replica's dropout from <paramref name="seed"/> and its index, so that its masks (on its own thread) do not
    /// depend on what the other replicas draw.
    /// </summary>
    public void SeedDropout(long seed)
    {
        for (var i = 0; i < _replicas.Length; i++)
            _replicas[i].Model.SeedDropout(CifarTrainer.EpochSeed(seed, i + 1, 3));
    }

    public void Broadcast()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var buffers = _masterBuffers.Select(g => cat(g.Select(b => b.reshape(-1)).ToList(), 0)).ToArray();
        foreach (var replica in _replicas)
        {
            replica.Values.copy_(_optimizer.Values);
            for (var g = 0; g < buffers.Length; g++) replica.Buffers[g].copy_(buffers[g]);
        }
    }

    /// <summary>
    /// Forward and backward of images <paramref name="start"/>..+<paramref name="count"/> of a batch of
    /// <paramref name="total"/> on <paramref name="model"/>, the chunk's mean loss scaled by count/total; returns the
    /// chunk's summed loss (float64) and its correct predictions, on <paramref name="device"/>, in the caller's scope.
    /// </summary>
    private static (Tensor Loss, Tensor Hits) TrainChunk(Vgg19Cifar model, Device device, Tensor images, Tensor labels, long start, long count, long total)
    {
        var x = images.narrow(0, start, count).to(device);
        var y = labels.narrow(0, start, count).to(device);
        var logits = model.forward(x);
        var loss = functional.cross_entropy(logits, y);
        loss.Times((double)count / total).backward();
        using var _ = no_grad();
        return (loss.detach().to(ScalarType.Float64).Times(count), logits.argmax(1).eq(y).sum());
    }

    public void Dispose()
    {
        foreach (var r in _replicas) r.Dispose();
    }

    /// <summary>A replica on its device: its model, flat parameter, gradient and buffer storage, results and thread.</summary>
    private sealed class Replica : IDisposable
    {
        private readonly Device _device;
        private readonly Tensor? _staging; // the gradients copied to device 0, when the replica is elsewhere

        public Replica(Vgg19Cifar model, Device device, Device master, IReadOnlyList<string> parameterNames, IReadOnlyList<List<string>> bufferGroups, int index)
        {
            Model = model;
            _device = device;
            model.to(device);
            var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            (Values, Gradients) = FlatSgd.Flatten(parameterNames.Select(n => parameters[n]).ToList());
            var buffers = model.named_buffers().ToDictionary(b => b.name, b => b.buffer);
            Buffers = bufferGroups.Select(g => FlatSgd.Pack(g.Select(n => buffers[n]).ToList()).DetachFromDisposeScope()).ToArray();
            Values.DetachFromDisposeScope();
            Gradients.DetachFromDisposeScope();
            var sameDevice = device.type == master.type && device.index == master.index;
            _staging = sameDevice ? null : zeros_like(Gradients, device: master).DetachFromDisposeScope();
            Loss = zeros(1, ScalarType.Float64, device).DetachFromDisposeScope();
            Hits = zeros(1, ScalarType.Int64, device).DetachFromDisposeScope();
            Lane = new Lane($"cifar-replica-{index}");
        }

        public Vgg19Cifar Model { get; }

        public Tensor Values { get; }

        public Tensor Gradients { get; }

        public Tensor[] Buffers { get; }

        public Tensor GradientsOnMaster => _staging ?? Gradients;

        /// <summary>The last chunk's summed loss (float64) and correct predictions, on the replica's device.</summary>
        public Tensor Loss { get; }

        public Tensor Hits { get; }

        public Lane Lane { get; }

        public long LiveTensors { get; private set; }

        /// <summary>Runs on <see cref="Lane"/>: this replica's chunk, its results and gradients left for the master.</summary>
        public void Train(Tensor images, Tensor labels, long start, long count, long total)
        {
            using (NewDisposeScope())
            {
                Gradients.zero_();
                var (loss, correct) = TrainChunk(Model, _device, images, labels, start, count, total);
                using var _ = no_grad();
                Loss.copy_(loss);
                Hits.copy_(correct);
                _staging?.copy_(Gradients); // here rather than on the master's thread, so devices copy at once
            }
            LiveTensors = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        }

        public void Dispose()
        {
            Lane.Dispose();
            _staging?.Dispose();
            Loss.Dispose();
            Hits.Dispose();
            foreach (var b in Buffers) b.Dispose();
            Values.Dispose();
            Gradients.Dispose();
            Model.Dispose();
        }
    }

    /// <summary>A thread that runs one piece of work at a time for its caller, who waits with <see cref="Join"/>.</summary>
    private sealed class Lane : IDisposable
    {
        private readonly Thread _thread;
        private readonly SemaphoreSlim _go = new(0);
        private readonly SemaphoreSlim _done = new(0);
        private Action? _work;
        private Exception? _error;

        public Lane(string name)
        {
            // A long-lived thread rather than one per step: libtorch keeps per-thread state (its intra-op pool among it).
            _thread = new Thread(Loop) { IsBackground = true, Name = name };
            _thread.Start();
        }

        public void Start(Action work)
        {
            _work = work;
            _go.Release();
        }

        /// <summary>Waits for the work of the last <see cref="Start"/>; once per start.</summary>
        public void Join() => _done.Wait();

        public void ThrowIfFailed()
        {
            if (_error is not { } error) return;
            _error = null;
            ExceptionDispatchInfo.Throw(error);
        }

        private void Loop()
        {
            while (true)
            {
                _go.Wait();
                if (_work is not { } work) return;
                try
                {
                    work();
                }
                catch (Exception e)
                {
                    _error = e;
                }
                finally
                {
                    _work = null;
                    _done.Release();
                }
            }
        }

        public void Dispose()
        {
            _work = null;
            _go.Release();
            _thread.Join();
            _go.Dispose();
            _done.Dispose();
        }
    }
}
