using Atelier.Contracts.Api;

namespace Atelier.Coordinator.Reports.Pictures;

/// <summary>Pictures for a report as <c>data:</c> URIs, downscaled so that their longer side is at most a given size.</summary>
public interface IPictureSource
{
    /// <summary>The picture as a data URI, or null when it is missing or cannot be read.</summary>
    string? DataUri(ArtifactInfo picture, int maxSide);

    /// <summary>Makes the given thumbnails ahead of rendering, in parallel.</summary>
    void Prepare(IEnumerable<(ArtifactInfo Picture, int MaxSide)> pictures);
}
