using System.Security.Cryptography;

namespace Atelier.Deploy.Tests.Support;

/// <summary>
/// k8s/validate/validate.mjs (Kubernetes API schemas from the npm package kubernetes-models, plus unknown
/// fields), installed with <c>npm ci</c> from its committed lock file into the test output, once.
/// </summary>
public static class SchemaValidator
{
    private static readonly Lazy<string> Installed = new(Install);

    public static (int ExitCode, string Output) Validate(string yaml)
    {
        var directory = Installed.Value;
        var file = System.IO.Path.Combine(directory, $"input-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, yaml);
        try
        {
            var (code, output, error) = Repo.Run("node", [System.IO.Path.Combine(directory, "validate.mjs"), file], directory, TimeSpan.FromMinutes(2));
            return (code, (output + error).Replace(file, "rendered.yaml"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Install()
    {
        var source = Repo.Path("k8s", "validate");
        var target = System.IO.Path.Combine(AppContext.BaseDirectory, "k8s-validate");
        Directory.CreateDirectory(target);
        foreach (var name in new[] { "package.json", "package-lock.json", "validate.mjs" })
            File.Copy(System.IO.Path.Combine(source, name), System.IO.Path.Combine(target, name), overwrite: true);

        // npm ci again only when the lock file changed.
        var stamp = System.IO.Path.Combine(target, "node_modules", ".atelier-lock-sha256");
        var lockHash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(System.IO.Path.Combine(target, "package-lock.json"))));
        if (File.Exists(stamp) && File.ReadAllText(stamp) == lockHash) return target;

        var (code, output, error) = Repo.Run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], target, TimeSpan.FromMinutes(5));
        if (code != 0)
            throw new InvalidOperationException($"npm ci in {target} failed ({code}); the schema check needs the npm registry or a warm npm cache:\n{output}{error}");
        File.WriteAllText(stamp, lockHash);
        return target;
    }
}
