// Each test runs a cluster of real processes; on a 2-core machine two clusters at once would starve each
// other's heartbeats and leases, so the collections run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
