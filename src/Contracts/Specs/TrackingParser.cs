using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Atelier.Contracts.Specs;

/// <summary>
/// Remembers where the last good YAML event ended, to give a line to the few malformed inputs on which
/// YamlDotNet throws a plain InvalidOperationException instead of a YamlException.
/// </summary>
internal sealed class TrackingParser(IParser inner) : IParser
{
    public int LastLine { get; private set; } = 1;

    public ParsingEvent? Current => inner.Current;

    public bool MoveNext()
    {
        var moved = inner.MoveNext();
        if (inner.Current is { } current)
            LastLine = (int)current.End.Line;
        return moved;
    }
}
