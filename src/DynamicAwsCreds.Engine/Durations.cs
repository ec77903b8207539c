using System.Globalization;
using System.Text.RegularExpressions;

namespace DynamicAwsCreds.Engine;

/// <summary>Vault's duration strings ("768h", "30m", "1h30m", "90s", "45") to and from TimeSpan.</summary>
public static partial class Durations
{
    public static readonly TimeSpan DefaultLeaseTtl = TimeSpan.FromHours(768);
    public static readonly TimeSpan MaxLeaseTtl = TimeSpan.FromHours(768);

    [GeneratedRegex(@"^(?:(?<n>[0-9]+(?:\.[0-9]+)?)(?<u>ms|h|m|s|d))+\z", RegexOptions.CultureInvariant)]
    private static partial Regex Composite();

    [GeneratedRegex(@"(?<n>[0-9]+(?:\.[0-9]+)?)(?<u>ms|h|m|s|d)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();

    /// <summary>Parses a Vault duration; a bare number is seconds. Throws InvalidDuration for anything else.</summary>
    public static TimeSpan Parse(string text, string parameterName)
    {
        if (TryParse(text, out var value))
        {
            return value;
        }

        throw Invalid(text, parameterName);
    }

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s))
        {
            return false;
        }

        if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            if (seconds > (long)TimeSpan.MaxValue.TotalSeconds)
            {
                return false;
            }

            value = TimeSpan.FromSeconds(seconds);
            return true;
        }

        if (!Composite().IsMatch(s))
        {
            return false;
        }

        double totalSeconds = 0;
        foreach (Match m in Part().Matches(s))
        {
            var n = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            totalSeconds += m.Groups["u"].Value switch
            {
                "ms" => n / 1000,
                "s" => n,
                "m" => n * 60,
                "h" => n * 3600,
                _ => n * 86400,
            };
        }

        if (totalSeconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(Math.Round(totalSeconds, 3));
        return true;
    }

    /// <summary>Checks a duration: not negative, and within a century. <paramref name="given"/> is what the user typed, for the error.</summary>
    public static TimeSpan Validate(TimeSpan value, string parameterName, string? given = null)
    {
        if (value < TimeSpan.Zero || value > TimeSpan.FromDays(36500))
        {
            throw Invalid(given ?? value.ToString(), parameterName);
        }

        return value;
    }

    /// <summary>
    /// A duration as Vault's docs and users write it: "768h", "5m", "1h30m", "90ms", "0s" (Go's form without the
    /// zero parts, so it parses back with <see cref="TryParse"/>).
    /// </summary>
    public static string Format(TimeSpan value)
    {
        var total = (long)Math.Round(value.TotalMilliseconds);
        if (total == 0)
        {
            return "0s";
        }

        var text = new System.Text.StringBuilder(total < 0 ? "-" : string.Empty);
        total = Math.Abs(total);
        foreach (var (unit, ms) in new[] { ("h", 3_600_000L), ("m", 60_000L), ("s", 1000L), ("ms", 1L) })
        {
            if (total >= ms)
            {
                text.Append(CultureInfo.InvariantCulture, $"{total / ms}{unit}");
                total %= ms;
            }
        }

        return text.ToString();
    }

    private static EngineException Invalid(string text, string parameterName) =>
        new("InvalidDuration", ErrorKind.InvalidArgument, text,
            $"'{text}' is not a valid duration for {parameterName}. Use a TimeSpan, a number of seconds, or a Vault duration such as 768h, 30m, 1h30m or 90s.");
}
