namespace Atelier.Contracts.Jobs;

/// <summary>
/// "What each layer sees": pictures both jobs render at the end of a trial (<c>layer_views</c>), reported as artifacts
/// of kind <see cref="ArtifactKind"/> under <see cref="Directory"/>; sweep reports show them for the best trial.
/// </summary>
public static class LayerViews
{
    public const string ArtifactKind = "layer-view";

    public const string Directory = "views";

    /// <summary>
    /// What a picture holds: cifar-vgg19's fixed test images and channels per block, the block-5 channels shown with
    /// their top test images; style-transfer's content-layer channels. One place, so the worker's pictures and the
    /// report's captions agree.
    /// </summary>
    public const int CifarImages = 4, CifarChannels = 8, CifarTopChannels = 4, CifarTopImages = 8, StyleChannels = 8;

    /// <summary>The file that says what every picture of the views shows (images, channels, layers).</summary>
    public const string Manifest = "views.json";
}
