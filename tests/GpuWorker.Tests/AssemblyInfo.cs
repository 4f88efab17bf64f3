// TorchSharp's random generator (seeds, dropout) and its thread pool are process-wide: tests that
// assert exact, seeded results must not run beside other torch tests.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
