using YamlDotNet.RepresentationModel;

namespace Atelier.Contracts.Specs;

/// <summary>Small questions about YamlDotNet nodes that the spec parser asks.</summary>
internal static class YamlNodes
{
    private const string StrTag = "tag:yaml.org,2002:str";

    public static int Line(this YamlNode node) => (int)node.Start.Line;

    /// <summary>An empty, <c>~</c> or <c>null</c> plain scalar: YAML's null.</summary>
    public static bool IsNull(this YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" }
        && !node.IsExplicitString();

    /// <summary>A quoted or <c>!!str</c>-tagged scalar, which stays a string whatever it looks like.</summary>
    public static bool IsExplicitString(this YamlNode node) =>
        node is YamlScalarNode scalar
        && (scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted
            || (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == StrTag));

    /// <summary>How a node reads in an error message: <c>'text'</c>, <c>a list</c> or <c>a mapping</c>.</summary>
    public static string Describe(this YamlNode node) => node switch
    {
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "an alias",
    };
}
