using System.Text;

namespace Atelier.Cli;

/// <summary>
/// The interactive prompt's line editor on <see cref="Console.ReadKey(bool)"/>: typing, Backspace/Delete,
/// Left/Right/Home/End, Escape or Ctrl+U to clear, Tab completion (candidates listed when ambiguous), Up/Down history, Ctrl+C clears the
/// line, Ctrl+D on an empty line ends the input. Keys come from a function so that tests can type.
/// </summary>
internal sealed class LineEditor(Func<ConsoleKeyInfo> readKey, TextWriter output, Func<string, Completion.Result> complete)
{
    private readonly List<string> _history = [];

    /// <summary>The lines entered so far, oldest first (no blanks, no repeats in a row).</summary>
    public IReadOnlyList<string> History => _history;

    /// <summary>Shows <paramref name="prompt"/> and edits a line until Enter; null for Ctrl+D on an empty line.</summary>
    public string? ReadLine(string prompt)
    {
        var line = new StringBuilder();
        var cursor = 0;
        var recalled = _history.Count;
        var draft = "";
        output.Write(prompt);
        output.Flush();

        while (true)
        {
            var key = readKey();
            var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
            if (key.Key == ConsoleKey.Enter || key.KeyChar is '\r' or '\n')
            {
                output.WriteLine();
                var text = line.ToString();
                if (text.Trim().Length > 0 && (_history.Count == 0 || _history[^1] != text))
                    _history.Add(text);
                return text;
            }
            if (key.KeyChar == '\u0003' || (control && key.Key == ConsoleKey.C))
            {
                output.WriteLine("^C");
                line.Clear();
                cursor = 0;
                recalled = _history.Count;
                output.Write(prompt);
            }
            else if (key.KeyChar == '\u0004' || (control && key.Key == ConsoleKey.D))
            {
                if (line.Length == 0)
                {
                    output.WriteLine();
                    return null;
                }
                if (cursor < line.Length)
                    line.Remove(cursor, 1);
                Redraw(prompt, line, cursor);
            }
            else if (key.Key == ConsoleKey.Backspace || key.KeyChar is '\b' or '\u007f')
            {
                if (cursor > 0)
                {
                    line.Remove(--cursor, 1);
                    Redraw(prompt, line, cursor);
                }
            }
            else if (key.Key == ConsoleKey.Delete)
            {
                if (cursor < line.Length)
                {
                    line.Remove(cursor, 1);
                    Redraw(prompt, line, cursor);
                }
            }
            else if (key.Key == ConsoleKey.LeftArrow)
                Redraw(prompt, line, cursor = Math.Max(0, cursor - 1));
            else if (key.Key == ConsoleKey.RightArrow)
                Redraw(prompt, line, cursor = Math.Min(line.Length, cursor + 1));
            else if (key.Key == ConsoleKey.Home || (control && key.Key == ConsoleKey.A))
                Redraw(prompt, line, cursor = 0);
            else if (key.Key == ConsoleKey.End || (control && key.Key == ConsoleKey.E))
                Redraw(prompt, line, cursor = line.Length);
            else if (key.Key == ConsoleKey.Escape || key.KeyChar == '\u0015' || (control && key.Key == ConsoleKey.U))
            {
                line.Clear();
                Redraw(prompt, line, cursor = 0);
            }
            else if (key.Key is ConsoleKey.UpArrow or ConsoleKey.DownArrow)
            {
                if (recalled == _history.Count) draft = line.ToString();
                recalled = Math.Clamp(recalled + (key.Key == ConsoleKey.UpArrow ? -1 : 1), 0, _history.Count);
                line.Clear().Append(recalled == _history.Count ? draft : _history[recalled]);
                Redraw(prompt, line, cursor = line.Length);
            }
            else if (key.Key == ConsoleKey.Tab || key.KeyChar == '\t')
            {
                var result = complete(line.ToString(0, cursor));
                if (result.Insert.Length > 0)
                {
                    line.Insert(cursor, result.Insert);
                    cursor += result.Insert.Length;
                    Redraw(prompt, line, cursor);
                }
                else if (result.Candidates.Count > 1)
                {
                    output.WriteLine();
                    output.WriteLine(string.Join("  ", result.Candidates));
                    Redraw(prompt, line, cursor);
                }
            }
            else if (key.KeyChar != '\0' && !char.IsControl(key.KeyChar))
            {
                line.Insert(cursor++, key.KeyChar);
                if (cursor == line.Length)
                    output.Write(key.KeyChar);
                else
                    Redraw(prompt, line, cursor);
            }
            output.Flush();
        }
    }

    /// <summary>Rewrites the whole line (carriage return, prompt, text, clear to the end) and puts the cursor back.</summary>
    private void Redraw(string prompt, StringBuilder line, int cursor)
    {
        output.Write($"\r{prompt}{line}\u001b[K");
        if (line.Length > cursor)
            output.Write($"\u001b[{line.Length - cursor}D");
    }
}
