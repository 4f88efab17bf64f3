using System.Text;

namespace Atelier.Cli;

/// <summary>
/// <c>pbm HOST:PORT</c> alone: an interactive prompt, <c>[HOST:PORT] pbm&gt; </c>, as in Petabridge.Cmd. Each line is a
/// command against that server; a failing command prints its error and the prompt goes on; <c>exit</c>,
/// <c>quit</c> or the end of the input leave with 0. On a terminal, lines are edited with Tab completion and history.
/// </summary>
internal static class PromptCommand
{
    public static Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        if (!context.Host.InteractiveInput)
        {
            // Console.In reads synchronously even through ReadLineAsync: read on the pool, so that Ctrl+C is not stuck behind it.
            var input = context.Host.Input;
            return RunAsync(context, c => Task.Run(input.ReadLine, CancellationToken.None).WaitAsync(c), ct);
        }

        var prompt = $"[{Label(context.Command.Server)}] pbm> ";
        var editor = new LineEditor(() => Console.ReadKey(intercept: true), context.Out, Completion.Complete);
        context.Out.WriteLine(
            $"pbm {Pbm.Version}: commands go to {ServerAddress.Display(context.Command.Server)}. help lists them, Tab completes, exit or Ctrl+D leaves.");
        return RunAsync(context, _ => Task.FromResult(ReadConsoleLine(editor, prompt)), ct);
    }

    /// <summary>The prompt loop over lines from <paramref name="readLine"/> (null: the input has ended).</summary>
    public static async Task<int> RunAsync(CommandContext context, Func<CancellationToken, Task<string?>> readLine, CancellationToken ct)
    {
        var host = context.Host;
        var session = new PromptSession(context.Command.Server, context.Command.Token);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var line = await readLine(ct);
            if (line is null)
                return ExitCodes.Ok;

            var words = Words(line, out var problem);
            if (problem is not null)
            {
                context.Error(problem);
                continue;
            }
            if (words.Count > 0 && words[0] == "pbm")
                words.RemoveAt(0);
            if (words.Count == 0)
                continue;
            if (words[0] is "exit" or "quit")
                return ExitCodes.Ok;
            if (words is ["help"] or ["?"])
            {
                context.Out.Write(Usage.Prompt(ServerAddress.Display(session.Server)).ReplaceLineEndings());
                continue;
            }

            var parsed = CommandLine.Parse(words, host.GetEnvironmentVariable, session: session);
            if (parsed is UsageError usage)
            {
                context.Error(usage.Message);
                continue;
            }

            using var command = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using (host.Interrupts?.Redirect(command))
                await Pbm.ExecuteAsync((ParsedCommand)parsed, context.Out, context.Err, host, command.Token);
            context.Out.Flush();
        }
    }

    /// <summary>The words of a prompt line: split at spaces, with "…" or '…' quoting (and \" or \\ inside "…").</summary>
    public static List<string> Words(string line, out string? problem)
    {
        problem = null;
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is { } q)
            {
                if (c == q)
                    quote = null;
                else if (q == '"' && c == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\')
                    word.Append(line[++i]);
                else
                    word.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                    words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (quote is { } open)
        {
            problem = $"unterminated {open}: close the quote, e.g. sweep submit \"my spec.yaml\"";
            return [];
        }
        if (inWord)
            words.Add(word.ToString());
        return words;
    }

    /// <summary>How the prompt names the server: HOST:PORT for plain http, the URL otherwise.</summary>
    public static string Label(Uri server) =>
        server.Scheme == Uri.UriSchemeHttp && server.AbsolutePath == "/" ? $"{server.Host}:{server.Port}" : ServerAddress.Display(server);

    private static string? ReadConsoleLine(LineEditor editor, string prompt)
    {
        // Ctrl+C while editing clears the line; while a command runs it interrupts that command (see Interrupts).
        var saved = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        try
        {
            return editor.ReadLine(prompt);
        }
        finally
        {
            Console.TreatControlCAsInput = saved;
        }
    }
}
