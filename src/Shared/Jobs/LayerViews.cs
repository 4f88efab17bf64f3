namespace Atelier.Shared.Jobs;

/// <summary>
/// "What each layer sees": pictures both jobs render at the end of a trial (<c>layer_views</c>), reported as artifacts
/// of kind <see cref="ArtifactKind"/> under <see cref="Directory"/>; sweep reports show them for the best trial.
/// </summary>
public static class LayerViews
{
    public const string ArtifactKind = "layer-view";

    public const string Directory = "views";

    /// <summary>The file that says what every picture of the views shows (images, channels, layers).</summary>
    public const string Manifest = "views.json";
}
