// The tests run a cluster of real processes and a browser; on a 2-core machine one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
