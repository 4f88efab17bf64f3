using System.Diagnostics;

namespace Atelier.Cli.Tests;

/// <summary><c>pbm completion bash</c>, sourced into a real bash, completes what the prompt completes.</summary>
public sealed class CompletionScriptTests
{
    /// <summary>What Tab offers after <paramref name="line"/> (the last word is the one being completed).</summary>
    private static async Task<string[]> CompleteAsync(string script, string line)
    {
        var words = line.Split(' ');
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, script);
        try
        {
            var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            var quoted = string.Join(' ', words.Select(w => $"'{w}'"));
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add($"source '{file}'; COMP_WORDS=({quoted}); COMP_CWORD={words.Length - 1}; _pbm; printf '%s\\n' \"${{COMPREPLY[@]}}\"");
            using var bash = Process.Start(info)!;
            var output = await bash.StandardOutput.ReadToEndAsync();
            var error = await bash.StandardError.ReadToEndAsync();
            await bash.WaitForExitAsync();
            Assert.True(bash.ExitCode == 0, error);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Bash_completes_palettes_commands_and_each_commands_options()
    {
        var run = await PbmRunner.RunAsync("completion", "bash");
        Assert.Equal(0, run.Code);
        Assert.Contains("complete -o filenames -F _pbm pbm", run.Out);

        Assert.Equal(["cluster", "completion", "help", "sweep", "worker"], await CompleteAsync(run.Out, "pbm "));
        Assert.Equal(["show", "submit"], await CompleteAsync(run.Out, "pbm sweep s"));
        Assert.Equal(["show", "submit"], await CompleteAsync(run.Out, "pbm 10.0.0.5:9110 sweep s"));
        Assert.Equal(["--metrics"], await CompleteAsync(run.Out, "pbm --server localhost:9110 sweep show ID --me"));
        Assert.Equal(["--dry-run"], await CompleteAsync(run.Out, "pbm sweep submit --d"));
        Assert.Equal(["drain", "list"], await CompleteAsync(run.Out, "pbm help worker "));
    }

    [Fact]
    public async Task Zsh_gets_the_same_function_through_bashcompinit()
    {
        var zsh = await PbmRunner.RunAsync("completion", "zsh");
        var bash = await PbmRunner.RunAsync("completion", "bash");
        Assert.Equal(0, zsh.Code);
        Assert.StartsWith("#compdef pbm\n", zsh.Out.ReplaceLineEndings("\n"));
        Assert.Contains("bashcompinit", zsh.Out);
        Assert.Contains(bash.Out[bash.Out.IndexOf("_pbm()", StringComparison.Ordinal)..], zsh.Out);
    }

    [Fact]
    public async Task Another_shell_is_a_usage_error_naming_the_two()
    {
        var run = await PbmRunner.RunAsync("completion", "fish");
        Assert.Equal(2, run.Code);
        Assert.Contains("unknown completion command 'fish'", run.Err);
        Assert.Contains("Usage: pbm completion (bash | zsh)", run.Err);
    }
}
