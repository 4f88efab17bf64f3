using System.Security.Cryptography;
using Atelier.Contracts.Specs;

namespace Atelier.Cli;

/// <summary>A local file that an input parameter of a spec names: where it is, and its size and SHA-256.</summary>
/// <param name="Display">The path as the spec gives it.</param>
internal sealed record LocalInput(string Display, string FullPath, long Size, string Sha256);

/// <summary>
/// The input files a spec names (the values of the job's input parameters that are neither <c>builtin:NAME</c> nor
/// <c>sha256:HEX</c>): found relative to the spec's directory and hashed, so that <c>pbm sweep submit</c> can upload
/// each once and send the spec with <c>sha256:HEX</c> in their place. The coordinator never sees a local path.
/// </summary>
internal sealed class SpecUploads
{
    private SpecUploads(IReadOnlyList<InputOccurrence> occurrences, IReadOnlyDictionary<InputOccurrence, LocalInput> files, IReadOnlyList<SpecError> errors)
    {
        Occurrences = occurrences;
        Files = files;
        Errors = errors;
    }

    /// <summary>Every value of an input parameter in the spec.</summary>
    public IReadOnlyList<InputOccurrence> Occurrences { get; }

    /// <summary>The local file of each occurrence that names one.</summary>
    public IReadOnlyDictionary<InputOccurrence, LocalInput> Files { get; }

    /// <summary>Files that are missing or unreadable, and malformed references.</summary>
    public IReadOnlyList<SpecError> Errors { get; }

    /// <summary>The distinct files to upload, in the order the spec names them.</summary>
    public IReadOnlyList<LocalInput> Distinct => Files.Values.DistinctBy(f => f.FullPath).ToList();

    /// <summary>Finds and hashes the files <paramref name="spec"/> (read from <paramref name="yaml"/> in <paramref name="specFile"/>) names.</summary>
    public static async Task<SpecUploads> PrepareAsync(string specFile, string yaml, SweepSpec spec, string? home, CancellationToken ct)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(specFile))!;
        var occurrences = SpecInputs.Locate(yaml, spec);
        var files = new Dictionary<InputOccurrence, LocalInput>();
        var byPath = new Dictionary<string, LocalInput>();
        var errors = new List<SpecError>();
        foreach (var o in occurrences)
        {
            if (o.Kind == InputKind.BadHash)
            {
                errors.Add(new SpecError(o.Field, $"'{o.Value}' is not an input reference: give sha256: and 64 lower-case hex digits, or a file path", o.Line));
                continue;
            }
            if (o.Kind != InputKind.Path) continue;
            var path = o.Value.StartsWith("~/", StringComparison.Ordinal) && home is not null ? Path.Combine(home, o.Value[2..]) : o.Value;
            var full = Path.GetFullPath(Path.Combine(directory, path));
            if (!byPath.TryGetValue(full, out var input))
            {
                var problem = Directory.Exists(full) ? $"{o.Value} is a directory (looked at {full}): give an image file"
                    : !File.Exists(full) ? $"no such file: {o.Value} (looked for {full}; a relative path starts at the spec's directory)"
                    : null;
                if (problem is null)
                {
                    try
                    {
                        await using var stream = File.OpenRead(full);
                        var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
                        input = new LocalInput(o.Value, full, stream.Length, sha);
                        byPath[full] = input;
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        problem = $"cannot read {o.Value} ({full}): {e.Message}";
                    }
                }
                if (problem is not null)
                {
                    errors.Add(new SpecError(o.Field, problem, o.Line));
                    continue;
                }
            }
            files[o] = input!;
        }
        return new SpecUploads(occurrences, files, errors);
    }

    /// <summary><paramref name="yaml"/> with every local file replaced by its reference (comments and layout kept).</summary>
    public string Rewrite(string yaml) =>
        SpecInputs.Replace(yaml, Occurrences, o => Files.TryGetValue(o, out var file) ? SpecInputs.Reference(file.Sha256) : null);
}
