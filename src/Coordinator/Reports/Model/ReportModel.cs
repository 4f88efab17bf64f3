using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Reports.Model;

/// <summary>
/// Everything a sweep report shows, as data: <c>report.json</c> is this record serialized
/// (schema: <c>docs/report.schema.json</c>), and <c>report.html</c> is rendered from it.
/// </summary>
public sealed record SweepReport(
    int SchemaVersion,
    DateTimeOffset GeneratedAt,
    bool Final,
    ReportSweep Sweep,
    ReportSummary Summary,
    int? BestTrial,
    IReadOnlyList<ReportParameter> Parameters,
    IReadOnlyList<ReportTrial> Trials,
    StyleSection? Style,
    CifarSection? Cifar,
    LayerViewSection? Views)
{
    /// <summary>The version of the report.json shape; bumped on incompatible changes.</summary>
    public const int CurrentSchemaVersion = 1;
}

/// <summary>Who the sweep is: id, name, job, method, metric, status and times.</summary>
public sealed record ReportSweep(
    string Id,
    string Name,
    string Job,
    string Method,
    MetricSpec Metric,
    SweepStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    string SpecYaml);

/// <summary>Trials by state, time spent and time saved by early stopping.</summary>
/// <param name="GpuSeconds">Sum over trials of their run time (first start to end, or to now while running).</param>
/// <param name="SavedSeconds">Estimate of the time early stopping saved (see <see cref="TimeAccounting"/>).</param>
/// <param name="SavedSteps">Steps the stopped trials did not run.</param>
public sealed record ReportSummary(
    TrialCounts Counts,
    double GpuSeconds,
    double SavedSeconds,
    long SavedSteps,
    double? BestValue,
    double? WallSeconds);

/// <summary>How many trials are in each state.</summary>
public sealed record TrialCounts(int Total, int Pending, int Running, int Completed, int Failed, int Cancelled, int Stopped);

/// <summary>How a parameter of the sweep's trials is shown: whether it varies, and on which kind of axis.</summary>
/// <param name="Source">Where the spec says its values come from: constant, values, uniform, log_uniform_values, int_uniform, default.</param>
/// <param name="Scale">linear, log (the distribution is log-uniform, or the listed values are positive and span ≥ 2 decades) or categorical.</param>
/// <param name="Distinct">How many distinct values the trials have.</param>
/// <param name="Min">The distribution's min, else the smallest value (numbers only).</param>
/// <param name="Max">The distribution's max, else the largest value.</param>
public sealed record ReportParameter(
    string Name,
    string Source,
    AxisScale Scale,
    bool Varies,
    int Distinct,
    double? Min,
    double? Max);

/// <summary>The kind of axis a parameter is drawn on.</summary>
public enum AxisScale
{
    Linear,
    Log,
    Categorical,
}

/// <summary>One trial with everything the report knows of it.</summary>
/// <param name="Value">The sweep metric's final value, when the trial reported it.</param>
/// <param name="RunSeconds">From its first start to its end (or to now while it runs).</param>
/// <param name="PlannedSteps">The steps it was to run (epochs, iterations), when the job says which parameter counts them.</param>
public sealed record ReportTrial(
    int Index,
    TrialStatus Status,
    IReadOnlyDictionary<string, ParamValue> Parameters,
    IReadOnlyDictionary<string, double> Metrics,
    double? Value,
    int Attempts,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? RunSeconds,
    long? LastStep,
    long? PlannedSteps,
    string? Error,
    IReadOnlyList<MetricPoint> History,
    IReadOnlyList<ArtifactInfo> Artifacts);

/// <summary>What a style-transfer report adds: the inputs, picture grids over the weights, progress strips.</summary>
/// <param name="StripsOmitted">Trials whose strip is left out to keep the report small (only the best are shown).</param>
public sealed record StyleSection(
    ArtifactInfo? Content,
    ArtifactInfo? Style,
    string? ColumnParameter,
    string? RowParameter,
    IReadOnlyList<PictureGrid> Grids,
    IReadOnlyList<ProgressStrip> Strips,
    int StripsOmitted);

/// <summary>
/// One grid of result pictures: columns and rows are the two parameters that vary most; <paramref name="Fixed"/>
/// holds the values (or ranges) of the further parameters that this grid is for.
/// </summary>
public sealed record PictureGrid(
    IReadOnlyDictionary<string, string> Fixed,
    IReadOnlyList<string> Columns,
    IReadOnlyList<string> Rows,
    IReadOnlyList<GridCell> Cells);

/// <summary>A grid cell: the trials whose parameters fall in it, and the one shown (the best with a picture).</summary>
public sealed record GridCell(int Row, int Column, IReadOnlyList<int> Trials, int? Shown, ArtifactInfo? Picture);

/// <summary>A trial's previews in step order, ending with its result.</summary>
public sealed record ProgressStrip(int Trial, IReadOnlyList<ArtifactInfo> Frames);

/// <summary>What a cifar-vgg19 report adds: the Keras reference accuracies and the best trial's per-class accuracy.</summary>
public sealed record CifarSection(
    string AccuracyMetric,
    string? WeightDecayParameter,
    double ReferenceAccuracy,
    double TunedReferenceAccuracy,
    int? BestTrial,
    IReadOnlyList<ClassAccuracy> PerClass);

/// <summary>Test accuracy on one CIFAR-10 class.</summary>
public sealed record ClassAccuracy(int Index, string Name, double Accuracy);

/// <summary>"What each layer sees" of one trial: the layer-view pictures its job wrote at the end (cifar-vgg19, style-transfer).</summary>
/// <param name="Trial">The trial shown: the best one unless another was requested.</param>
/// <param name="Requested">Whether the trial was asked for (<c>?views=N</c>, <c>pbm sweep report ID --views N</c>).</param>
/// <param name="Pictures">In reading order; empty when a requested trial has none (it ran with layer_views=false, or has not finished).</param>
/// <param name="Manifest"><c>views/views.json</c>: which images and channels each tile shows.</param>
public sealed record LayerViewSection(int Trial, bool Requested, IReadOnlyList<LayerViewPicture> Pictures, ArtifactInfo? Manifest);

/// <summary>One layer-view picture and what it shows.</summary>
public sealed record LayerViewPicture(string Caption, ArtifactInfo Picture);
