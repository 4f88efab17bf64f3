using System.Globalization;

namespace Atelier.Coordinator.Reports.Model;

/// <summary>The cifar-vgg19 part of a report: reference accuracies and the best trial's per-class accuracy.</summary>
public static class CifarSections
{
    /// <summary>The Keras VGG19 reference: about 93% test accuracy, 94.14% with a tuned weight decay.</summary>
    public const double ReferenceAccuracy = 0.93, TunedReferenceAccuracy = 0.9414;

    public const string AccuracyMetric = "test_accuracy";

    /// <summary>The metric prefix under which the job reports each class's final test accuracy.</summary>
    public const string ClassMetricPrefix = "test_accuracy_class_";

    public static readonly IReadOnlyList<string> ClassNames =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    public static CifarSection Build(IReadOnlyList<ReportParameter> parameters, IReadOnlyList<ReportTrial> trials, int? best)
    {
        var weightDecay = parameters.FirstOrDefault(p => p.Name == "weight_decay")?.Name;
        var perClass = new List<ClassAccuracy>();
        if (best is { } b && trials.FirstOrDefault(t => t.Index == b) is { } trial)
        {
            for (var c = 0; c < ClassNames.Count; c++)
            {
                if (trial.Metrics.TryGetValue(ClassMetricPrefix + c.ToString(CultureInfo.InvariantCulture), out var accuracy))
                    perClass.Add(new ClassAccuracy(c, ClassNames[c], accuracy));
            }
        }
        return new CifarSection(AccuracyMetric, weightDecay, ReferenceAccuracy, TunedReferenceAccuracy, best, perClass);
    }
}
