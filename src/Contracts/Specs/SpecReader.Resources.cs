using Atelier.Contracts.Jobs;
using YamlDotNet.RepresentationModel;

namespace Atelier.Contracts.Specs;

internal sealed partial class SpecReader
{
    private static readonly string[] ResourceFields = ["gpus"];

    /// <summary><c>resources</c>: null when absent; Valid is false when it is present and wrong (reported).</summary>
    private (ResourcesSpec? Spec, bool Valid) ReadResources(Dictionary<string, YamlNode> fields, JobDefinition? job)
    {
        const string field = "resources";
        if (!Present(fields, field))
            return (null, true);
        if (fields[field] is not YamlMappingNode map)
        {
            _errors.Add(field, $"expected a mapping such as {{gpus: 2}}, not {fields[field].Describe()}");
            return (null, false);
        }
        var before = _errors.Count;
        var entries = Fields(map, field, ResourceFields);
        var gpus = OptionalInteger(entries, "gpus", $"{field}.gpus") ?? 1;
        if (_errors.Count == before)
            SweepSpecValidator.CheckResources(gpus, job, _errors);
        return _errors.Count != before ? (null, false) : (new ResourcesSpec((int)gpus), true);
    }
}
