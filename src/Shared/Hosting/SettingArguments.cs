using System.Text;
using Atelier.Contracts.Text;

namespace Atelier.Shared.Hosting;

/// <summary>
/// Screens a node's command line against its settings before anything starts: <c>--help</c> lists them, and an option
/// the process does not have, or a stray word, is refused by name. .NET's command-line configuration takes any
/// <c>--name value</c> as a key, so without this a mistyped option (<c>--prot 4053</c>) was ignored in silence and
/// <c>--help</c> started a node.
/// </summary>
public static class SettingArguments
{
    public const int UsageExitCode = 2;

    /// <summary>
    /// Null to go on; else the text to print and the exit code: 0 and the list of settings for <c>--help</c> (or
    /// <c>-h</c>), <see cref="UsageExitCode"/> and one line naming the first argument that is not one of
    /// <paramref name="settings"/>' <c>--option value</c> or <c>--option=value</c>.
    /// </summary>
    /// <param name="otherUsage">Further usage lines for the help (the process's other commands).</param>
    public static ScreenedArguments? Screen(string process, IReadOnlyList<Setting> settings, IReadOnlyList<string> args, params string[] otherUsage)
    {
        if (args.Any(a => a is "--help" or "-h")) return new(Help(process, settings, otherUsage), 0);
        var options = settings.Select(s => s.Option).ToList();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var name = arg.Split('=', 2)[0];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                return Refuse(process, $"unexpected argument '{arg}': settings are given as --option value");
            if (!options.Contains(name, StringComparer.OrdinalIgnoreCase))
                return Refuse(process, $"unknown option '{name}'{NearMiss.Suggest(name, options)}");
            if (name.Length == arg.Length && ++i >= args.Count)
                return Refuse(process, $"option '{name}' needs a value");
        }
        return null;
    }

    private static ScreenedArguments Refuse(string process, string why) =>
        new($"{process}: {why}; '{process} --help' lists the options\n", UsageExitCode);

    private static string Help(string process, IReadOnlyList<Setting> settings, IReadOnlyList<string> otherUsage)
    {
        var text = new StringBuilder($"usage: {process} [--option value]...\n");
        foreach (var line in otherUsage) text.Append($"       {line}\n");
        text.Append("Each option can also be set by its environment variable; an option given wins.\n\n");
        var width = settings.Max(s => s.Option.Length);
        foreach (var s in settings)
        {
            var fallback = s.Default.Length > 0 ? $" (default: {s.Default})" : "";
            text.Append($"  {s.Option.PadRight(width)}  {s.EnvironmentVariable}\n  {new string(' ', width)}  {s.Description}{fallback}\n");
        }
        return text.ToString();
    }
}

/// <summary>What <see cref="SettingArguments.Screen"/> stops a process with: the text to print and the exit code.</summary>
public sealed record ScreenedArguments(string Text, int ExitCode)
{
    /// <summary>Prints the text (help on standard output, a refusal on standard error); returns the exit code.</summary>
    public int Print()
    {
        (ExitCode == 0 ? Console.Out : Console.Error).Write(Text);
        return ExitCode;
    }
}
