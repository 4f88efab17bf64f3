using System.Globalization;
using Atelier.Contracts.Api;

namespace Atelier.Cli;

/// <summary><c>pbm worker list</c>: every GPU slot of every worker node, what it runs and how busy it is.</summary>
internal static class WorkerListCommand
{
    /// <summary><c>pbm worker list</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Definition = new("worker", "list", RunAsync)
    {
        Summary = "every GPU slot: device, state, current trial, utilisation",
        About = "every slot of every worker node that has reported lately, one row per slot.",
        Details = """
        Columns: NODE (the node's address: what drain takes), SLOT, DEVICE, STATE (idle, busy, drained,
        or busy (draining)), SWEEP and TRIAL (what it runs, with the attempt when it is a retry), STEP (the
        last step reported), UTIL (the share of the last minute or so the slot spent busy). After the
        table, a line names each draining node.

        Options:
          --json   print the coordinator's JSON (a list of {node, draining, slots: [{slotId, device,
                   state, sweepId, trialIndex, attempt, step, utilisation, lastSeen}]}) only
        """,
    };

    public static async Task<int> RunAsync(CommandContext context, CancellationToken ct)
    {
        using var client = context.CreateClient();
        return context.Show(await client.WorkersAsync(ct), workers => Write(workers, context.Out, context.Styler));
    }

    /// <summary>The slot table, then one line per draining node.</summary>
    public static void Write(IReadOnlyList<WorkerDto> workers, TextWriter writer, Styler styler)
    {
        if (workers.All(w => w.Slots.Count == 0))
        {
            writer.WriteLine("no workers: no gpu-worker node has reported its slots (start one with dotnet run --project src/GpuWorker)");
            return;
        }

        Table(workers).Write(writer, styler);
        foreach (var worker in workers.Where(w => w.Draining))
        {
            var busy = worker.Slots.Count(s => s.State.StartsWith("busy", StringComparison.Ordinal));
            writer.WriteLine(styler.Apply(
                $"draining: {worker.Node} takes no new trials ({busy} of {Format.Count(worker.Slots.Count, "slot")} still busy)",
                Style.Yellow));
        }
    }

    /// <summary>NODE, SLOT, DEVICE, STATE, SWEEP, TRIAL, STEP, UTIL: one row per slot.</summary>
    public static Table Table(IEnumerable<WorkerDto> workers)
    {
        var table = new Table(
            new Column("NODE"), new Column("SLOT"), new Column("DEVICE"), new Column("STATE"), new Column("SWEEP"),
            new Column("TRIAL", Align.Right), new Column("STEP", Align.Right), new Column("UTIL", Align.Right));
        foreach (var worker in workers)
        {
            foreach (var slot in worker.Slots)
            {
                table.AddRow(
                    worker.Node,
                    slot.SlotId,
                    slot.Device,
                    new Cell(slot.State, StateStyle(slot.State)),
                    slot.SweepId ?? Format.None,
                    Trial(slot),
                    slot.Step is { } step ? step.ToString(CultureInfo.InvariantCulture) : Format.None,
                    Percent(slot.Utilisation));
            }
        }
        return table;
    }

    /// <summary>The trial's index, with the attempt when it is a retry: <c>3</c>, <c>3 (attempt 2)</c>.</summary>
    public static string Trial(SlotDto slot) => slot.TrialIndex switch
    {
        null => Format.None,
        var index when slot.Attempt is > 1 => $"{index} (attempt {slot.Attempt})",
        var index => index.Value.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A share from 0 to 1 as a whole percentage: 0.734 → <c>73%</c>.</summary>
    public static string Percent(double share) =>
        double.IsFinite(share) ? $"{Math.Round(Math.Clamp(share, 0, 1) * 100, MidpointRounding.AwayFromZero).ToString("0", CultureInfo.InvariantCulture)}%" : Format.None;

    private static Style StateStyle(string state) => state switch
    {
        "busy" => Style.Green,
        "idle" => Style.None,
        "drained" => Style.Dim,
        _ => Style.Yellow,
    };
}
