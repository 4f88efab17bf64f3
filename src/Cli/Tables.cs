using System.Text;

namespace Atelier.Cli;

/// <summary>How a column's text sits in its width.</summary>
internal enum Align
{
    Left,
    Right,
}

/// <summary>A terminal colour for a cell; ignored when output is not a terminal.</summary>
internal enum Style
{
    None,
    Bold,
    Dim,
    Green,
    Red,
    Yellow,
}

/// <summary>One column: its header and alignment.</summary>
internal sealed record Column(string Header, Align Align = Align.Left);

/// <summary>One cell: its text and colour.</summary>
internal readonly record struct Cell(string Text, Style Style = Style.None)
{
    public static implicit operator Cell(string text) => new(text);
}

/// <summary>Adds ANSI colours when enabled (output is a terminal and NO_COLOR is unset); otherwise plain text.</summary>
internal sealed class Styler(bool enabled)
{
    public bool Enabled => enabled;

    public string Apply(string text, Style style)
    {
        if (!enabled || style == Style.None || text.Length == 0) return text;
        var code = style switch
        {
            Style.Bold => "1",
            Style.Dim => "2",
            Style.Green => "32",
            Style.Red => "31",
            _ => "33",
        };
        return $"\u001b[{code}m{text}\u001b[0m";
    }
}

/// <summary>
/// A plain text table: columns separated by two spaces, widths from the longest cell, numbers right-aligned,
/// no trailing spaces. Colours never change the alignment (widths are measured on the plain text).
/// </summary>
internal sealed class Table(params Column[] columns)
{
    private const string Gap = "  ";
    private readonly List<Cell[]> _rows = [];

    public IReadOnlyList<Column> Columns => columns;

    public int RowCount => _rows.Count;

    public void AddRow(params Cell[] cells)
    {
        if (cells.Length != columns.Length)
            throw new ArgumentException($"a row needs {columns.Length} cells, not {cells.Length}", nameof(cells));
        _rows.Add(cells);
    }

    public void Write(TextWriter writer, Styler styler)
    {
        var widths = columns.Select((c, i) => _rows.Select(r => r[i].Text.Length).Prepend(c.Header.Length).Max()).ToArray();
        writer.WriteLine(Line(columns.Select(c => new Cell(c.Header, Style.Bold)).ToArray(), widths, styler));
        foreach (var row in _rows)
            writer.WriteLine(Line(row, widths, styler));
    }

    private string Line(Cell[] cells, int[] widths, Styler styler)
    {
        var last = cells.Length - 1;
        while (last > 0 && cells[last].Text.Length == 0 && columns[last].Align == Align.Left) last--;
        var line = new StringBuilder();
        for (var i = 0; i <= last; i++)
        {
            if (i > 0) line.Append(Gap);
            var pad = new string(' ', widths[i] - cells[i].Text.Length);
            var text = styler.Apply(cells[i].Text, cells[i].Style);
            if (columns[i].Align == Align.Right) line.Append(pad).Append(text);
            else if (i == last) line.Append(text);
            else line.Append(text).Append(pad);
        }
        return line.ToString();
    }
}

/// <summary>Aligned "key: value" lines, as in the header of <c>pbm sweep show</c>.</summary>
internal sealed class Fields
{
    private readonly List<(string Key, Cell Value)> _lines = [];

    public Fields Add(string key, Cell value)
    {
        _lines.Add((key, value));
        return this;
    }

    public void Write(TextWriter writer, Styler styler)
    {
        var width = _lines.Max(l => l.Key.Length) + 1;
        foreach (var (key, value) in _lines)
            writer.WriteLine($"{(key + ":").PadRight(width)}  {styler.Apply(value.Text, value.Style)}".TrimEnd());
    }
}
