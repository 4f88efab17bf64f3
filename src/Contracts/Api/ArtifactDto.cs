namespace Atelier.Contracts.Api;

/// <summary>What <c>POST /api/inputs</c> answers: the input's content hash and the reference a spec gives for it.</summary>
/// <param name="Ref"><c>sha256:HEX</c>, the value of an input parameter that names this file.</param>
/// <param name="Existed">The store already had these bytes (they are kept once).</param>
public sealed record InputDto(string Name, string Sha256, string Ref, long Size, bool Existed);

/// <summary>One file a trial produced, as <c>GET /api/sweeps/{id}/trials/{n}/artifacts</c> lists it.</summary>
/// <param name="Name">Its path relative to the trial's work directory, e.g. <c>previews/step-0050.png</c>.</param>
/// <param name="Kind"><c>checkpoint</c>, <c>preview</c>, <c>result</c>, <c>input</c>, …</param>
/// <param name="Step">The step the job had reached when it wrote the file.</param>
public sealed record ArtifactDto(string Name, string Kind, long Size, string Sha256, long Step);

/// <summary>The artifacts of one trial, oldest first (several checkpoints may share a name: one per step kept).</summary>
public sealed record TrialArtifactsDto(string SweepId, int Trial, IReadOnlyList<ArtifactDto> Artifacts);
