using Atelier.Shared.Api;

namespace Atelier.Shared.Protocol;

/// <summary>Read-side questions to a sweep entity.</summary>
public static class SweepQueries
{
    /// <summary>Replies <see cref="SweepDetails"/> or <see cref="SweepNotFound"/>.</summary>
    public sealed record GetSweep(SweepId SweepId, bool IncludeHistory) : IWithSweepId;

    public sealed record SweepDetails(SweepDto Sweep) : IAtelierMessage;

    public sealed record SweepNotFound(SweepId SweepId) : IAtelierMessage;
}
