using System.Text;

namespace Atelier.Cli;

/// <summary>
/// <c>pbm completion bash|zsh</c>: a shell completion script made from <see cref="Completion"/>, the same knowledge the
/// interactive prompt completes from (palettes, commands, each command's options); files for FILE and DIR operands.
/// zsh loads the bash function through <c>bashcompinit</c>.
/// </summary>
internal static class CompletionScript
{
    /// <summary><c>pbm completion bash</c>, as the parser, help and completion know it.</summary>
    public static readonly PbmCommand Bash = Definition("bash", "~/.bashrc");

    /// <summary><c>pbm completion zsh</c>.</summary>
    public static readonly PbmCommand Zsh = Definition("zsh", "~/.zshrc");

    private static PbmCommand Definition(string shell, string startup) =>
        new("completion", shell, (context, _) => Task.FromResult(Write(context.Out, shell)))
        {
            Summary = $"a {shell} completion script: source <(pbm completion {shell})",
            About = $"a completion script for {shell}, made from pbm's own commands and options.",
            Details = $"Load it in each shell, e.g. in {startup}: source <(pbm completion {shell})\n\n"
                + "Tab then completes palettes, commands and options, and file names for FILE and DIR.",
            Local = true,
        };

    public static int Write(TextWriter stdout, string shell)
    {
        var script = new StringBuilder();
        if (shell == "zsh")
            script.Append("#compdef pbm\n# pbm completion for zsh: source <(pbm completion zsh), e.g. in ~/.zshrc\nautoload -U +X bashcompinit && bashcompinit\n");
        else
            script.Append("# pbm completion for bash: source <(pbm completion bash), e.g. in ~/.bashrc\n");
        script.Append("""
            _pbm() {
              local cur=${COMP_WORDS[COMP_CWORD]} key="" i w
              # The words that choose the command: no options, not the value of --server, not a first HOST:PORT.
              for ((i = 1; i < COMP_CWORD; i++)); do
                w=${COMP_WORDS[i]}
                if [[ $w == --server ]]; then ((i++)); continue; fi
                [[ $w == -* || ($i == 1 && $w == *:*) ]] && continue
                key+="${key:+ }$w"
              done
              local words options
              case "$key" in

            """);
        foreach (var key in Keys())
        {
            var words = key.Length == 0 ? [] : key.Split(' ');
            // exit and quit belong to the prompt, not to the shell.
            var next = Completion.Candidates(words, "").Where(w => w == "help" || !Completion.PromptWords.Contains(w));
            // A command's own options also after its operands (sweep show ID --me…).
            var pattern = CommandCatalog.Find(key) is not null ? $"\"{key}\"|\"{key} \"*" : $"\"{key}\"";
            script.Append($"    {pattern}) words=\"{string.Join(' ', next)}\"; options=\"{string.Join(' ', Completion.Candidates(words, "-"))}\";;\n");
        }
        script.Append($"    *) words=\"\"; options=\"{string.Join(' ', Completion.Candidates(["sweep", "list"], "-"))}\";;\n");
        script.Append("""
              esac
              if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$options" -- "$cur"))
              elif [[ -n $words ]]; then
                COMPREPLY=($(compgen -W "$words" -- "$cur"))
              else
                COMPREPLY=($(compgen -f -- "$cur"))
              fi
            }
            complete -o filenames -F _pbm pbm

            """);
        stdout.Write(script.ToString());
        return ExitCodes.Ok;
    }

    /// <summary>Every sequence of command words that has a choice of next words or its own options.</summary>
    private static IEnumerable<string> Keys() =>
        new[] { "", "help" }
            .Concat(CommandCatalog.Palettes)
            .Concat(CommandCatalog.Palettes.Select(p => "help " + p))
            .Concat(CommandCatalog.All.Select(c => c.Topic));
}
