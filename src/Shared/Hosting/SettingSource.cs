using Microsoft.Extensions.Configuration;
using Atelier.Contracts.Text;

namespace Atelier.Shared.Hosting;

/// <summary>One setting a process reads: its configuration key, command-line option and environment variable.</summary>
public sealed record Setting(string Key, string Option, string EnvironmentVariable, string Default, string Description);

/// <summary>
/// Maps the documented <c>--option</c>s and <c>ATELIER_*</c> environment variables onto
/// configuration keys, so appsettings, Kubernetes env vars and command lines all set the same thing.
/// Command-line options win over environment variables.
/// </summary>
public static class SettingSource
{
    public static IConfigurationBuilder AddAtelierSettings(
        this IConfigurationBuilder builder, IReadOnlyList<Setting> settings, string[] args)
    {
        var fromEnvironment = settings
            .Select(s => (s.Key, Value: Environment.GetEnvironmentVariable(s.EnvironmentVariable)))
            .Where(kv => !string.IsNullOrEmpty(kv.Value))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        builder.AddInMemoryCollection(fromEnvironment);
        builder.AddCommandLine(args, settings.ToDictionary(s => s.Option, s => s.Key));
        return builder;
    }

    /// <summary>The value of a setting, or its default.</summary>
    public static string Get(this IConfiguration configuration, Setting setting) =>
        configuration[setting.Key] is { Length: > 0 } v ? v : setting.Default;

    public static int GetInt(this IConfiguration configuration, Setting setting)
    {
        var text = configuration.Get(setting);
        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new SettingException(setting, text, "an integer");
    }

    /// <summary>An integer of at least 1.</summary>
    public static int GetPositiveInt(this IConfiguration configuration, Setting setting) =>
        configuration.GetInt(setting) is var v and > 0 ? v : throw new SettingException(setting, configuration.Get(setting), "a positive integer");

    /// <summary>A byte size (see <see cref="ByteSizes.Parse"/>) of at least one byte.</summary>
    public static long GetSize(this IConfiguration configuration, Setting setting)
    {
        var text = configuration.Get(setting);
        return ByteSizes.Parse(text) is { } bytes and > 0
            ? bytes
            : throw new SettingException(setting, text, "a size such as 50MiB, 512KiB or a number of bytes");
    }

    public static TimeSpan GetDuration(this IConfiguration configuration, Setting setting)
    {
        var text = configuration.Get(setting);
        if (double.TryParse(text.TrimEnd('s'), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            return TimeSpan.FromSeconds(seconds);
        return TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new SettingException(setting, text, "a positive duration such as 30s or 00:00:30");
    }
}

/// <summary>A setting has a value the process cannot use; the message names it and what is allowed.</summary>
public sealed class SettingException(Setting setting, string value, string expected)
    : Exception($"{setting.Option} / {setting.EnvironmentVariable} = '{value}' is not valid: expected {expected}");
