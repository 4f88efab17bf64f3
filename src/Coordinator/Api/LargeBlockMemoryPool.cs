using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;

namespace Atelier.Coordinator.Api;

/// <summary>
/// Kestrel's memory pool for this coordinator's connections: blocks of 64 KiB instead of ASP.NET's 4 KiB. Kestrel's
/// socket transport receives into the free part of one block per read, so with 4 KiB blocks a 256 MiB checkpoint PUT
/// (<see cref="UploadBytesEndpoint"/>) took over 65,000 reads. Kestrel asks <see cref="Factory"/> for one pool per I/O
/// queue (up to 16); they share one list of free blocks, so at most <see cref="MaxFree"/> blocks (16 MiB) stay allocated
/// while unused, whatever the core count. Blocks in use are bounded by Kestrel's own per-connection buffer limits.
/// </summary>
public sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;

    /// <summary>Free blocks kept for reuse across all pools of one factory, at most this many; more are left to the GC.</summary>
    public const int MaxFree = 256;

    private readonly FreeBlocks _free;

    public LargeBlockMemoryPool() : this(new FreeBlocks())
    {
    }

    private LargeBlockMemoryPool(FreeBlocks free) => _free = free;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), minBufferSize, $"blocks are {BlockSize} bytes");
        return new Block(_free, _free.Take());
    }

    /// <summary>The blocks are shared with the factory's other pools: nothing to release here.</summary>
    protected override void Dispose(bool disposing)
    {
    }

    /// <summary>The free blocks of one factory's pools.</summary>
    private sealed class FreeBlocks
    {
        private readonly ConcurrentQueue<byte[]> _blocks = new();
        private int _count;

        /// <summary>A free block, or a new one on the pinned heap (the socket reads into it without pinning it each time).</summary>
        public byte[] Take()
        {
            if (!_blocks.TryDequeue(out var block)) return GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
            Interlocked.Decrement(ref _count);
            return block;
        }

        public void Return(byte[] block)
        {
            if (Interlocked.Increment(ref _count) > MaxFree) Interlocked.Decrement(ref _count);
            else _blocks.Enqueue(block);
        }
    }

    private sealed class Block(FreeBlocks free, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        // Made from the pinned array as such, so that Memory.Pin() costs nothing.
        private readonly Memory<byte> _memory = MemoryMarshal.CreateFromPinnedArray(array, 0, array.Length);

        public Memory<byte> Memory => _array is null ? throw new ObjectDisposedException(nameof(Block)) : _memory;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } returned) free.Return(returned);
        }
    }

    /// <summary>What Kestrel asks for its pools: every pool it makes shares one list of free blocks.</summary>
    public sealed class Factory : IMemoryPoolFactory<byte>
    {
        private readonly FreeBlocks _free = new();
        private int _created;

        /// <summary>How many pools Kestrel asked for (a test's check that Kestrel uses this factory).</summary>
        public int PoolsCreated => Volatile.Read(ref _created);

        public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
        {
            Interlocked.Increment(ref _created);
            return new LargeBlockMemoryPool(_free);
        }
    }
}
