namespace Atelier.Cli.Tests;

public class TablesTests
{
    [Fact]
    public void Columns_are_as_wide_as_their_longest_cell_with_no_trailing_spaces()
    {
        var table = new Table(new Column("NAME"), new Column("N", Align.Right), new Column("NOTE"));
        table.AddRow("a", "1", "");
        table.AddRow("longer-name", "12345", "x");
        var writer = new StringWriter { NewLine = "\n" };
        table.Write(writer, new Styler(false));

        Assert.Equal("NAME             N  NOTE\na                1\nlonger-name  12345  x\n", writer.ToString());
    }

    [Theory]
    [InlineData(0.123456789, "0.123457")]
    [InlineData(1e-7, "1E-07")]
    [InlineData(94.14, "94.14")]
    [InlineData(12345678.9, "1.23457E+07")]
    [InlineData(-0.5, "-0.5")]
    public void Numbers_use_g6(double value, string expected) => Assert.Equal(expected, Format.Number(value));

    [Fact]
    public void Rows_must_match_the_columns() =>
        Assert.Throws<ArgumentException>(() => new Table(new Column("A")).AddRow("1", "2"));
}
