using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Atelier.Coordinator.Api;

/// <summary>
/// Kestrel's memory pool for this coordinator's connections: blocks of 64 KiB instead of ASP.NET's 4 KiB. Kestrel's
/// socket transport receives into the free part of one block per read, so with 4 KiB blocks a 256 MiB checkpoint PUT
/// (<see cref="UploadBytesEndpoint"/>) took over 65,000 reads.
/// </summary>
public sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;

    /// <summary>Free blocks kept for reuse, at most this many (16 MiB); more are left to the GC.</summary>
    private const int MaxFree = 256;

    private readonly ConcurrentQueue<byte[]> _free = new();

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), minBufferSize, $"blocks are {BlockSize} bytes");
        // Pinned: the socket reads into it without pinning it for each read.
        return new Block(this, _free.TryDequeue(out var array) ? array : GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));
    }

    private void Return(byte[] array)
    {
        if (_free.Count < MaxFree) _free.Enqueue(array);
    }

    protected override void Dispose(bool disposing) => _free.Clear();

    private sealed class Block(LargeBlockMemoryPool pool, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } returned) pool.Return(returned);
        }
    }

    /// <summary>What Kestrel asks for its pools (registered in the coordinator's services).</summary>
    public sealed class Factory : IMemoryPoolFactory<byte>
    {
        public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
    }
}
