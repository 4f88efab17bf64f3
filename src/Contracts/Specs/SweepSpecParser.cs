using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Atelier.Contracts.Specs;

/// <summary>
/// Reads a sweep spec from YAML (the W&amp;B sweeps shape plus <c>job</c>, <c>max_concurrent</c> and
/// <c>max_retries</c>) and validates it, collecting every error with its field path and line.
/// </summary>
public static partial class SweepSpecParser
{
    /// <summary>Parses and validates <paramref name="yaml"/>; never throws for bad input.</summary>
    public static SpecParseResult Parse(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var parser = new TrackingParser(new Parser(new StringReader(yaml)));
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (YamlException ex)
        {
            return Failure(LoadMessage(ex), (int)ex.Start.Line);
        }
        catch (InvalidOperationException)
        {
            return Failure("malformed YAML after this line (is a '[' or '{' left open?)", parser.LastLine);
        }

        return stream.Documents.Count switch
        {
            0 => Failure("the spec is empty", null),
            1 => new SpecReader().Read(stream.Documents[0].RootNode),
            var n => Failure($"expected one YAML document, found {n}: remove the '---' separators",
                stream.Documents[1].RootNode.Line()),
        };
    }

    private static SpecParseResult Failure(string message, int? line) => new(null, [new SpecError("", message, line)]);

    private static string LoadMessage(YamlException ex)
    {
        // YamlDotNet prefixes its message with the marks, which the error's line already carries.
        var message = MarkPrefix().Replace(ex.Message, "");
        const string duplicate = "Duplicate key ";
        return message.StartsWith(duplicate, StringComparison.Ordinal)
            ? $"duplicate key '{message[duplicate.Length..]}': each key may appear only once in a mapping"
            : $"malformed YAML: {message}";
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();
}
