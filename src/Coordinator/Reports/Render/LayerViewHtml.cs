using System.Text.RegularExpressions;
using Atelier.Coordinator.Reports.Model;
using Atelier.Coordinator.Reports.Pictures;

namespace Atelier.Coordinator.Reports.Render;

/// <summary>"What each layer sees": one trial's layer-view pictures, each at its own size, with its caption.</summary>
public static partial class LayerViewHtml
{
    /// <summary>The section's anchor: <c>report.html#layer-views</c>.</summary>
    public const string Id = "layer-views";

    public static void Write(HtmlWriter html, SweepReport report, IPictureSource pictures)
    {
        var views = report.Views!;
        var id = report.Sweep.Id;
        html.Raw($"<h2 id=\"{Id}\">").Text("What each layer sees").Raw("</h2>");
        if (views.Pictures.Count == 0)
        {
            html.Element("p", $"Trial #{views.Trial} has no layer views: it has not finished, or it ran with layer_views=false " +
                "(only cifar-vgg19 and style-transfer trials write them).", "note");
        }
        else
        {
            html.Element("p", (views.Requested ? $"Trial #{views.Trial}, as requested" : $"The best trial, #{views.Trial}") +
                ": what the network's layers see at the end of the trial. Heat maps are viridis: dark is weak, light is strong.", "note");
            html.Raw($"<div class=\"views\" data-trial=\"{views.Trial}\">");
            foreach (var view in views.Pictures)
            {
                html.Raw($"<figure id=\"view-{Anchor(view.Picture.FileName)}\">");
                if (pictures.DataUri(view.Picture, PictureSizes.LayerView) is { } uri)
                    html.Raw($"<img src=\"{uri}\" alt=\"{HtmlWriter.Escape(view.Caption)}\">");
                else html.Raw("<div class=\"empty\">").Text($"{view.Picture.FileName}: no picture").Raw("</div>");
                html.Element("figcaption", view.Caption).Raw("</figure>");
            }
            html.Raw("</div>");
        }
        html.Element("p", $"Another trial's views: pbm sweep report {id} --views TRIAL, or report.html?views=TRIAL " +
            $"(GET /api/sweeps/{id}/report.html?views=TRIAL). Which images and channels each tile shows: views/views.json, " +
            $"from pbm sweep artifacts {id} {views.Trial} --out DIR.", "note");
    }

    /// <summary><c>views/gram-relu1_1.png</c> → <c>gram-relu1_1</c>: a name safe in an id.</summary>
    private static string Anchor(string fileName) =>
        Unsafe().Replace(Path.GetFileNameWithoutExtension(fileName[(fileName.LastIndexOf('/') + 1)..]), "-");

    [GeneratedRegex("[^A-Za-z0-9_-]")]
    private static partial Regex Unsafe();
}
