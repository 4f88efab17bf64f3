using System.Diagnostics.CodeAnalysis;

namespace Atelier.Contracts.Jobs;

/// <summary>
/// Every job kind the cluster knows. A new job is one more <see cref="JobDefinition"/> (in its own file)
/// added to <see cref="All"/>.
/// </summary>
public static class JobCatalog
{
    /// <summary>The synthetic job: a cheap closed-form objective for testing sweeps end to end.</summary>
    public static JobDefinition Synthetic => SyntheticJobDefinition.Definition;

    /// <summary>All job definitions.</summary>
    public static IReadOnlyList<JobDefinition> All { get; } = [SyntheticJobDefinition.Definition, StyleTransferJobDefinition.Definition, CifarVgg19JobDefinition.Definition];

    /// <summary>Finds the job whose kind is exactly <paramref name="kind"/>.</summary>
    public static bool TryGet(string kind, [NotNullWhen(true)] out JobDefinition? definition)
    {
        definition = All.FirstOrDefault(d => d.Kind == kind);
        return definition is not null;
    }

    /// <summary>The known job kinds, comma separated, for error messages.</summary>
    public static string KindList => string.Join(", ", All.Select(d => d.Kind));
}
