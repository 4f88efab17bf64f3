namespace Atelier.Cli;

/// <summary>The exit codes of <c>pbm</c>, as documented in <c>pbm --help</c>.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked (a sweep with failed trials included).</summary>
    public const int Ok = 0;

    /// <summary>The coordinator could not be reached, answered an error, or the sweep does not exist.</summary>
    public const int Failure = 1;

    /// <summary>The command line or the spec file is wrong; nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted with Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
