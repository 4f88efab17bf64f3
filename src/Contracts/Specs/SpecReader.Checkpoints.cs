using YamlDotNet.RepresentationModel;

namespace Atelier.Contracts.Specs;

internal sealed partial class SpecReader
{
    private static readonly string[] CheckpointFields = ["keep_last", "keep_best"];

    /// <summary><c>checkpoints</c>: null when absent; Valid is false when it is present and wrong (reported).</summary>
    private (CheckpointSpec? Spec, bool Valid) ReadCheckpoints(Dictionary<string, YamlNode> fields)
    {
        const string field = "checkpoints";
        if (!Present(fields, field))
            return (null, true);
        if (fields[field] is not YamlMappingNode map)
        {
            _errors.Add(field, $"expected a mapping such as {{keep_last: 3, keep_best: 1}}, not {fields[field].Describe()}");
            return (null, false);
        }
        var before = _errors.Count;
        var entries = Fields(map, field, CheckpointFields);
        var keepLast = OptionalInteger(entries, "keep_last", $"{field}.keep_last") ?? CheckpointSpec.DefaultKeepLast;
        var keepBest = OptionalInteger(entries, "keep_best", $"{field}.keep_best") ?? 0;
        if (_errors.Count == before)
            SweepSpecValidator.CheckCheckpoints(keepLast, keepBest, _errors);
        return _errors.Count != before ? (null, false) : (new CheckpointSpec((int)keepLast, (int)keepBest), true);
    }
}
