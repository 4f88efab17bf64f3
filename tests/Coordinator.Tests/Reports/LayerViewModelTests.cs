using Atelier.Coordinator.Reports.Model;
using Atelier.Contracts.Api;
using Atelier.Contracts.Jobs;
using static Atelier.Coordinator.Tests.Reports.ReportSamples;

namespace Atelier.Coordinator.Tests.Reports;

/// <summary>The report's "what each layer sees" section: whose views, in which order, with which captions.</summary>
public sealed class LayerViewModelTests
{
    internal const string CifarYaml = """
        name: wd
        job: cifar-vgg19
        method: grid
        metric: {name: test_accuracy, goal: maximize}
        parameters:
          weight_decay: {values: [1.0e-4, 5.0e-4, 1.0e-3]}
          epochs: {value: 2}
        """;

    /// <summary>What the cifar job reports at the end, in an order the report must not rely on.</summary>
    internal static readonly string[] CifarViews =
        ["views/top-images.png", "views/block3.png", "views/block1.png", "views/views.json", "views/block5.png", "views/block2.png", "views/block4.png"];

    internal static ArtifactInfo View(int trial, string name, long step = 2) =>
        new(LayerViews.ArtifactKind, step, name, Sha($"{trial}/{name}/{step}"), 1000);

    internal static IReadOnlyList<TrialDto> CifarTrials(params int[] withViews) => new[] { 1e-4, 5e-4, 1e-3 }.Select((wd, i) =>
        Trial(i, TrialStatus.Completed, P(("weight_decay", wd), ("epochs", 2)),
            new Dictionary<string, double> { ["test_accuracy"] = 0.5 + i / 10.0 }, 30, 2,
            artifacts: [new ArtifactInfo("model", 2, "model.safetensors", Sha($"model{i}"), 10),
                .. withViews.Contains(i) ? CifarViews.Select(n => View(i, n)) : []])).ToList();

    [Fact]
    public void By_default_the_best_trials_cifar_views_are_shown_blocks_in_order_then_top_images()
    {
        var views = ReportBuilder.Build(Sweep(CifarYaml, CifarTrials(0, 2), best: 2), T0).Views!;

        Assert.Equal(2, views.Trial);
        Assert.False(views.Requested);
        Assert.Equal(["views/block1.png", "views/block2.png", "views/block3.png", "views/block4.png", "views/block5.png", "views/top-images.png"],
            views.Pictures.Select(p => p.Picture.FileName));
        Assert.All(views.Pictures, p => Assert.Equal(View(2, p.Picture.FileName).Sha256, p.Picture.Sha256));
        Assert.Equal("block 3: the 8 strongest channels of its output for 4 fixed test images (a row per image: the image, then its channels as heat maps)",
            views.Pictures[2].Caption);
        Assert.Equal("the test images that most activate 4 channels of block 5 (a row per channel, the most selective first)", views.Pictures[5].Caption);
        Assert.Equal("views/views.json", views.Manifest?.FileName);
    }

    [Fact]
    public void A_requested_trial_is_shown_instead_of_the_best()
    {
        var views = ReportBuilder.Build(Sweep(CifarYaml, CifarTrials(0, 2), best: 2), T0, views: 0).Views!;

        Assert.Equal(0, views.Trial);
        Assert.True(views.Requested);
        Assert.Equal(6, views.Pictures.Count);
        Assert.All(views.Pictures, p => Assert.Equal(View(0, p.Picture.FileName).Sha256, p.Picture.Sha256));
    }

    [Fact]
    public void A_trial_without_views_has_no_section_by_default_and_an_empty_one_when_requested()
    {
        Assert.Null(ReportBuilder.Build(Sweep(CifarYaml, CifarTrials(0), best: 2), T0).Views);
        Assert.Null(ReportBuilder.Build(Sweep(CifarYaml, CifarTrials(0)), T0).Views); // no best trial yet

        var requested = ReportBuilder.Build(Sweep(CifarYaml, CifarTrials(0), best: 2), T0, views: 1).Views!;
        Assert.Equal(1, requested.Trial);
        Assert.True(requested.Requested);
        Assert.Empty(requested.Pictures);
        Assert.Null(requested.Manifest);
    }

    [Fact]
    public void Style_views_are_the_content_layer_then_each_gram_in_the_order_reported_with_the_layer_in_the_caption()
    {
        // Style layers in a non-alphabetical order: the report keeps the job's order, not the names'.
        string[] reported = ["views/gram-relu5_1.png", "views/content-layer.png", "views/gram-relu1_1.png", "views/views.json", "views/gram-relu3_1.png"];
        var trials = StyleTrials().Select(t => t.Index != 3 ? t : t with
        {
            Parameters = new Dictionary<string, Contracts.Specs.ParamValue>(t.Parameters) { ["content_layer"] = Contracts.Specs.ParamValue.Of("relu4_2") },
            Artifacts = [.. t.Artifacts!, .. reported.Select(n => View(3, n, 10))],
        }).ToList();

        var views = ReportBuilder.Build(Sweep(StyleYaml, trials, best: 0), T0, views: 3).Views!;

        Assert.Equal(["views/content-layer.png", "views/gram-relu5_1.png", "views/gram-relu1_1.png", "views/gram-relu3_1.png"],
            views.Pictures.Select(p => p.Picture.FileName));
        Assert.Equal("content layer relu4_2: the 8 strongest channels for the content image (top) and the result (bottom)", views.Pictures[0].Caption);
        Assert.Equal("Gram matrix at relu5_1: style image (left), result (right), on one colour scale", views.Pictures[1].Caption);
    }

    [Fact]
    public void A_view_reported_again_by_a_retry_is_shown_once_the_newest()
    {
        var trials = CifarTrials(2).Select(t => t.Index != 2 ? t : t with
        {
            Artifacts = [View(2, "views/block2.png", step: 1), .. t.Artifacts!, View(2, "views/block2.png", step: 3)],
        }).ToList();

        var views = ReportBuilder.Build(Sweep(CifarYaml, trials, best: 2), T0).Views!;

        var block2 = Assert.Single(views.Pictures, p => p.Picture.FileName == "views/block2.png");
        Assert.Equal(3, block2.Picture.Step);
        Assert.Equal(6, views.Pictures.Count);
        Assert.Equal("views/block2.png", views.Pictures[1].Picture.FileName);
    }

    [Fact]
    public void Report_json_carries_the_views_and_leaves_them_out_when_there_are_none()
    {
        var json = Coordinator.Reports.ReportJson.Write(ReportBuilder.Build(Sweep(CifarYaml, CifarTrials(2), best: 2), T0));
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var views = document.RootElement.GetProperty("views");
        Assert.Equal(2, views.GetProperty("trial").GetInt32());
        Assert.False(views.GetProperty("requested").GetBoolean());
        Assert.Equal("views/block1.png", views.GetProperty("pictures")[0].GetProperty("picture").GetProperty("fileName").GetString());
        Assert.Equal("layer-view", views.GetProperty("pictures")[0].GetProperty("picture").GetProperty("kind").GetString());
        ReportSchema.Validate(json);

        var none = Coordinator.Reports.ReportJson.Write(ReportBuilder.Build(Sweep(CifarYaml, CifarTrials(), best: 2), T0));
        Assert.DoesNotContain("\"views\"", none);
        ReportSchema.Validate(Coordinator.Reports.ReportJson.Write(ReportBuilder.Build(Sweep(CifarYaml, CifarTrials(), best: 2), T0, views: 0)));
    }

    private static string Sha(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
