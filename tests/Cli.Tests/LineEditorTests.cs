namespace Atelier.Cli.Tests;

public class LineEditorTests
{
    private const string Prompt = "[127.0.0.1:9110] pbm> ";

    private static ConsoleKeyInfo Char(char c) => new(c, ConsoleKey.NoName, false, false, false);

    private static ConsoleKeyInfo Key(ConsoleKey key, char c = '\0', bool control = false) => new(c, key, false, false, control);

    private static readonly ConsoleKeyInfo Tab = Key(ConsoleKey.Tab, '\t');
    private static readonly ConsoleKeyInfo Enter = Key(ConsoleKey.Enter, '\r');
    private static readonly ConsoleKeyInfo Backspace = Key(ConsoleKey.Backspace, '\b');
    private static readonly ConsoleKeyInfo CtrlC = Key(ConsoleKey.C, '\u0003', control: true);
    private static readonly ConsoleKeyInfo CtrlD = Key(ConsoleKey.D, '\u0004', control: true);
    private static readonly ConsoleKeyInfo Up = Key(ConsoleKey.UpArrow);
    private static readonly ConsoleKeyInfo Down = Key(ConsoleKey.DownArrow);
    private static readonly ConsoleKeyInfo Left = Key(ConsoleKey.LeftArrow);

    private static IEnumerable<ConsoleKeyInfo> Type(string text) => text.Select(Char);

    private static (LineEditor Editor, StringWriter Output) Editor(params IEnumerable<ConsoleKeyInfo>[] keys)
    {
        var queue = new Queue<ConsoleKeyInfo>(keys.SelectMany(k => k));
        var output = new StringWriter { NewLine = "\n" };
        return (new LineEditor(queue.Dequeue, output, Completion.Complete), output);
    }

    [Fact]
    public void Tab_completes_palettes_and_commands()
    {
        var (editor, output) = Editor(Type("cl"), [Tab], Type("sh"), [Tab, Enter]);
        Assert.Equal("cluster show ", editor.ReadLine(Prompt));
        Assert.StartsWith(Prompt, output.ToString());
        Assert.Contains($"\r{Prompt}cluster show ", output.ToString());
    }

    [Fact]
    public void Tab_lists_the_candidates_when_ambiguous()
    {
        var (editor, output) = Editor(Type("sweep s"), [Tab], Type("h"), [Tab, Enter]);
        Assert.Equal("sweep show ", editor.ReadLine(Prompt));
        Assert.Contains("\nshow  submit\n", output.ToString());
    }

    [Fact]
    public void Backspace_and_editing_in_the_middle()
    {
        var (editor, _) = Editor(Type("worker lisst"), [Backspace, Backspace, Char('t'), Left, Left, Left, Backspace, Char('l'), Enter]);
        Assert.Equal("worker list", editor.ReadLine(Prompt));
    }

    [Fact]
    public void Ctrl_c_clears_the_line_and_ctrl_d_on_an_empty_line_ends_the_input()
    {
        var (editor, output) = Editor(Type("cluster down x"), [CtrlC], Type("worker list"), [Enter, CtrlD]);
        Assert.Equal("worker list", editor.ReadLine(Prompt));
        Assert.Contains("^C\n", output.ToString());
        Assert.Null(editor.ReadLine(Prompt));
    }

    [Fact]
    public void Ctrl_d_on_a_line_with_text_does_not_end_the_input()
    {
        var (editor, _) = Editor(Type("ab"), [Left, CtrlD, Enter]);
        Assert.Equal("a", editor.ReadLine(Prompt));
    }

    [Fact]
    public void Up_and_down_recall_earlier_lines()
    {
        var (editor, _) = Editor(Type("cluster show"), [Enter], Type("worker list"), [Enter], [Up, Up, Enter], Type("sweep"), [Up, Down, Enter]);
        Assert.Equal("cluster show", editor.ReadLine(Prompt));
        Assert.Equal("worker list", editor.ReadLine(Prompt));
        Assert.Equal("cluster show", editor.ReadLine(Prompt));
        Assert.Equal("sweep", editor.ReadLine(Prompt));
        Assert.Equal(["cluster show", "worker list", "cluster show", "sweep"], editor.History);
    }
}
