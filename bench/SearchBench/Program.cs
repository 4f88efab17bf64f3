using Atelier.SearchBench;

return SearchComparison.Run(args, Console.Out, Console.Error);
