using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Atelier.Coordinator.Hosting;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Api;

/// <summary>What the HTTP API does, in terms of messages to sweep entities.</summary>
public sealed class SweepService(ActorSystem system, IRequiredActor<SweepRegion> region)
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private const string PersistenceIdPrefix = "sweep-";

    public async Task<SweepCommands.CreateSweepReply> SubmitAsync(SweepSpec spec, string yaml, CancellationToken ct)
    {
        var id = SweepId.New(spec.Name, DateTimeOffset.UtcNow);
        var seed = spec.Seed ?? Random.Shared.NextInt64(0, long.MaxValue);
        var command = new SweepCommands.CreateSweep(id, spec, yaml, seed, DateTimeOffset.UtcNow);
        return await region.ActorRef.Ask<SweepCommands.CreateSweepReply>(command, AskTimeout, ct);
    }

    public async Task<SweepDto?> GetAsync(SweepId id, bool includeHistory, CancellationToken ct)
    {
        var reply = await region.ActorRef.Ask<object>(new SweepQueries.GetSweep(id, includeHistory), AskTimeout, ct);
        return reply is SweepQueries.SweepDetails d ? d.Sweep : null;
    }

    public Task<SweepCommands.CancelSweepReply> CancelAsync(SweepId id, string reason, CancellationToken ct) =>
        region.ActorRef.Ask<SweepCommands.CancelSweepReply>(new SweepCommands.CancelSweep(id, reason), AskTimeout, ct);

    public Task<SweepCommands.SweepControlReply> ControlAsync(IWithSweepId command, CancellationToken ct) =>
        region.ActorRef.Ask<SweepCommands.SweepControlReply>(command, AskTimeout, ct);

    private SqlReadJournal Journal => PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>("akka.persistence.query.journal.sql");

    /// <summary>The id of every sweep in the journal (so every coordinator sees the same).</summary>
    public async Task<IReadOnlyList<string>> AllIdsAsync(CancellationToken ct)
    {
        return await Journal.CurrentPersistenceIds()
            .Where(p => p.StartsWith(PersistenceIdPrefix, StringComparison.Ordinal))
            .Select(p => p[PersistenceIdPrefix.Length..])
            .Where(SweepId.IsValid)
            .RunWith(Sink.Seq<string>(), system.Materializer())
            .WaitAsync(ct);
    }

    /// <summary>The sweep's persisted events in order, each with its sequence number; empty when there is no such sweep.</summary>
    public async Task<IReadOnlyList<(long Sequence, object Event)>> EventsAsync(SweepId id, CancellationToken ct)
    {
        return await Journal.CurrentEventsByPersistenceId(PersistenceIdPrefix + id.Value, 0, long.MaxValue)
            .Select(e => (e.SequenceNr, e.Event))
            .RunWith(Sink.Seq<(long, object)>(), system.Materializer())
            .WaitAsync(ct);
    }

    /// <summary>Every sweep in the journal, newest first.</summary>
    public async Task<IReadOnlyList<SweepSummaryDto>> ListAsync(CancellationToken ct)
    {
        var ids = await AllIdsAsync(ct);

        var sweeps = new List<SweepSummaryDto>();
        foreach (var chunk in ids.Chunk(32))
        {
            var found = await Task.WhenAll(chunk.Select(id => GetAsync(new SweepId(id), false, ct)));
            sweeps.AddRange(found.OfType<SweepDto>().Select(Sweeps.SweepView.ToSummary));
        }
        return sweeps.OrderByDescending(s => s.CreatedAt).ToList();
    }
}
