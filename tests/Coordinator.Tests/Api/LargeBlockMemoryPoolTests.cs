using System.Buffers;
using System.Runtime.InteropServices;
using Atelier.Coordinator.Api;

namespace Atelier.Coordinator.Tests.Api;

public sealed class LargeBlockMemoryPoolTests
{
    private static byte[] ArrayOf(IMemoryOwner<byte> block) =>
        MemoryMarshal.TryGetArray<byte>(block.Memory, out var segment) ? segment.Array! : throw new InvalidOperationException("not an array");

    [Fact]
    public void A_block_is_64_KiB_whatever_is_asked_and_comes_back_for_the_next_rent()
    {
        using var pool = new LargeBlockMemoryPool();
        var first = pool.Rent(100);
        Assert.Equal(LargeBlockMemoryPool.BlockSize, first.Memory.Length);
        var array = ArrayOf(first);
        first.Dispose();

        using var second = pool.Rent();
        Assert.Same(array, ArrayOf(second));
    }

    [Fact]
    public void A_block_disposed_twice_goes_back_once_so_no_two_renters_share_it()
    {
        using var pool = new LargeBlockMemoryPool();
        var block = pool.Rent();
        block.Dispose();
        block.Dispose();
        Assert.Throws<ObjectDisposedException>(() => block.Memory);

        using var a = pool.Rent();
        using var b = pool.Rent();
        Assert.NotSame(ArrayOf(a), ArrayOf(b));
    }

    [Fact]
    public void The_pools_of_one_factory_share_their_free_blocks_and_keep_at_most_256()
    {
        var factory = new LargeBlockMemoryPool.Factory();
        using var a = factory.Create();
        using var b = factory.Create();
        var rented = Enumerable.Range(0, LargeBlockMemoryPool.MaxFree + 10).Select(_ => a.Rent()).ToList();
        var arrays = rented.Select(ArrayOf).ToHashSet(ReferenceEqualityComparer.Instance);
        rented.ForEach(block => block.Dispose());

        var again = Enumerable.Range(0, LargeBlockMemoryPool.MaxFree + 10).Select(_ => b.Rent()).ToList();
        Assert.Equal(LargeBlockMemoryPool.MaxFree, again.Count(block => arrays.Contains(ArrayOf(block))));
        again.ForEach(block => block.Dispose());
    }

    [Fact]
    public void More_than_a_block_is_refused_naming_the_block_size()
    {
        using var pool = new LargeBlockMemoryPool();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(LargeBlockMemoryPool.BlockSize + 1));
        Assert.Contains("blocks are 65536 bytes", e.Message);
    }
}
