using Atelier.Coordinator.Reports.Model;

namespace Atelier.Coordinator.Reports.Render;

/// <summary>The cifar-vgg19 section: test accuracy against weight decay with the reference marked, train vs test curves, per-class accuracy.</summary>
public static class CifarHtml
{
    public static void Write(HtmlWriter html, SweepReport report)
    {
        var cifar = report.Cifar!;
        var references = new[]
        {
            new ReferenceLine(cifar.ReferenceAccuracy, "Keras VGG19 reference ≈ 93%"),
            new ReferenceLine(cifar.TunedReferenceAccuracy, "with tuned weight decay: 94.14%"),
        };
        html.Element("h2", "CIFAR-10: accuracy").Raw("<div class=\"charts\" id=\"cifar\">");
        if (cifar.WeightDecayParameter is { } wd && report.Parameters.FirstOrDefault(p => p.Name == wd) is { } parameter)
            html.Raw(Charts.MetricVsParameter(report, parameter, cifar.AccuracyMetric, references));

        if (cifar.BestTrial is { } b && report.Trials.FirstOrDefault(t => t.Index == b) is { } best && best.History.Count > 0)
        {
            html.Raw(Charts.Lines($"trial #{b}: train vs test accuracy", "epoch", "accuracy",
                [Series(best, "train_accuracy", "train", Palette.Blue, true), Series(best, "test_accuracy", "test", Palette.Vermillion, false)], references));
            html.Raw(Charts.Lines($"trial #{b}: train vs test loss", "epoch", "loss",
                [Series(best, "train_loss", "train", Palette.Blue, true), Series(best, "test_loss", "test", Palette.Vermillion, false)]));
        }
        if (cifar.PerClass.Count > 0)
            html.Raw(Charts.Bars($"trial #{cifar.BestTrial}: test accuracy per class", "accuracy",
                cifar.PerClass.Select(c => (c.Name, c.Accuracy)).ToList()));
        html.Raw("</div>");
        html.Element("p", "Reference: the Keras VGG19 for CIFAR-10 reached about 93% test accuracy, 94.14% with a tuned weight decay (dashed lines).", "note");
    }

    private static (string, string, bool, IReadOnlyList<(double X, double Y)>) Series(ReportTrial trial, string metric, string label, string color, bool dashed) =>
        (label, color, dashed, trial.History.Where(p => p.Values.ContainsKey(metric)).Select(p => ((double)p.Step, p.Values[metric])).ToList());
}
