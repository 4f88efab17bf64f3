using Microsoft.Playwright;

namespace Atelier.Reports.Tests;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, installed by <c>.ci/run</c>) driven by Playwright, headless, with a fresh
/// profile directory; Playwright's own browser download is not used. Records console errors, page errors and every
/// request a page makes.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static readonly IReadOnlyList<string> Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright _playwright;
    private readonly string _profile;

    private HeadlessChromium(IPlaywright playwright, IBrowserContext context, string profile)
    {
        _playwright = playwright;
        Context = context;
        _profile = profile;
    }

    public IBrowserContext Context { get; }

    public static async Task<HeadlessChromium> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"{ExecutablePath} is missing: apt-get install -y chromium (.ci/run does)");
        var playwright = await Playwright.CreateAsync();
        var profile = Directory.CreateTempSubdirectory("atelier-chromium-").FullName;
        var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Arguments,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        return new HeadlessChromium(playwright, context, profile);
    }

    /// <summary>Opens <paramref name="file"/> and waits until it has loaded.</summary>
    public async Task<OpenedPage> OpenAsync(string file)
    {
        var page = await Context.NewPageAsync();
        var opened = new OpenedPage(page);
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning") opened.ConsoleProblems.Add($"{message.Type}: {message.Text}");
        };
        page.PageError += (_, error) => opened.ConsoleProblems.Add($"page error: {error}");
        page.Request += (_, request) => opened.Requests.Add(request.Url);
        await page.GotoAsync(new Uri(Path.GetFullPath(file)).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        return opened;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _playwright.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A page with what it logged and requested.</summary>
public sealed class OpenedPage(IPage page)
{
    public IPage Page { get; } = page;

    public List<string> ConsoleProblems { get; } = [];

    public List<string> Requests { get; } = [];

    /// <summary>Requests that left the file: anything but the file itself and data: URIs.</summary>
    public IReadOnlyList<string> ExternalRequests(string file) =>
        Requests.Where(u => !u.StartsWith("data:", StringComparison.Ordinal) && u != new Uri(Path.GetFullPath(file)).AbsoluteUri).ToList();
}
