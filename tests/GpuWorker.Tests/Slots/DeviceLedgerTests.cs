using Atelier.Contracts.Api;
using Atelier.GpuWorker.Slots;

namespace Atelier.GpuWorker.Tests.Slots;

public sealed class DeviceLedgerTests
{
    private static readonly DeviceLedger.TrialKey Trial = new(new SweepId("s"), 0, 1);
    private static readonly DeviceLedger.TrialKey Other = new(new SweepId("s"), 1, 1);

    [Fact]
    public void A_trial_reserves_its_slot_and_the_lowest_free_others()
    {
        var ledger = new DeviceLedger(["cuda:0", "cuda:1", "cuda:2", "cuda:3"]);
        Assert.Equal(["cuda:2", "cuda:0", "cuda:1"], ledger.TryReserve(2, 3, Trial));
        Assert.Equal(1, ledger.Free);
        Assert.Equal(Trial, ledger.LentTo(0));
        Assert.Null(ledger.LentTo(2)); // its own
        Assert.Null(ledger.LentTo(3)); // free
    }

    [Fact]
    public void Too_few_free_devices_or_a_lent_slot_reserve_nothing()
    {
        var ledger = new DeviceLedger(["cuda:0", "cuda:1", "cuda:2"]);
        Assert.NotNull(ledger.TryReserve(0, 2, Trial));
        Assert.Null(ledger.TryReserve(2, 2, Other)); // only cuda:2 is free
        Assert.Null(ledger.TryReserve(1, 1, Other)); // cuda:1 is lent to Trial
        Assert.Equal(1, ledger.Free);
        Assert.Equal(["cuda:2"], ledger.TryReserve(2, 1, Other));
    }

    [Fact]
    public void Release_frees_every_device_of_the_trial_and_names_the_lent_slots()
    {
        var ledger = new DeviceLedger(["cpu", "cpu"]);
        var lent = Akka.Actor.ActorRefs.Nobody;
        ledger.Register(1, lent);
        Assert.Equal(["cpu", "cpu"], ledger.TryReserve(0, 2, Trial));
        Assert.Equal([lent], ledger.Borrowed(0));
        Assert.Equal([lent], ledger.Release(0));
        Assert.Equal(2, ledger.Free);
        Assert.Null(ledger.LentTo(1));
    }
}
