using System.Globalization;
using System.Management.Automation;
using DynamicAwsCreds.Engine;

namespace DynamicAwsCreds;

/// <summary>
/// A duration as a user gives it: a TimeSpan, whole seconds as a number, or a Vault string ("768h", "30m",
/// "1h30m"). Input that is not a duration (a decimal such as PowerShell makes of an unquoted 1d, a fraction) is
/// kept as given, so the cmdlet can refuse it with DynamicAwsCreds.InvalidDuration instead of a generic binding error.
/// </summary>
public sealed class Duration
{
    private readonly TimeSpan? _value;

    /// <summary>Why a number is not taken as seconds (it is not a whole number); null when it is.</summary>
    private readonly string? _refusal;

    private Duration(TimeSpan? value, string text, string? refusal = null)
    {
        _value = value;
        Text = text;
        _refusal = refusal;
    }

    public string Text { get; }

    internal static Duration From(object? input)
    {
        var raw = input is PSObject pso ? pso.BaseObject : input;
        return raw switch
        {
            TimeSpan t => new Duration(t, t.ToString()),
            int or long or short or ushort or byte or sbyte or uint or ulong => new Duration(
                Convert.ToInt64(raw, CultureInfo.InvariantCulture) is var s && s >= 0 && s <= 3_153_600_000 ? TimeSpan.FromSeconds(s) : null,
                Convert.ToString(raw, CultureInfo.InvariantCulture)!),
            decimal m => Unquoted(m),
            double or float when Convert.ToDouble(raw, CultureInfo.InvariantCulture) is var d && (d % 1 != 0 || double.IsNaN(d)) => Unquoted(raw),
            double or float => new Duration(
                Convert.ToDouble(raw, CultureInfo.InvariantCulture) is var w && w >= 0 && w <= 3_153_600_000 ? TimeSpan.FromSeconds(w) : null,
                Convert.ToString(raw, CultureInfo.InvariantCulture)!),
            string str => new Duration(Durations.TryParse(str, out var parsed) ? parsed : null, str),
            Duration already => already,
            _ => new Duration(null, Convert.ToString(raw, CultureInfo.InvariantCulture) ?? string.Empty),
        };
    }

    /// <summary>
    /// A decimal (what PowerShell makes of an unquoted 1d: the decimal 1) or a fraction is refused, not rounded to
    /// seconds: Vault takes only whole numbers as seconds.
    /// </summary>
    private static Duration Unquoted(object number)
    {
        var text = Convert.ToString(number, CultureInfo.InvariantCulture)!;
        var suffix = number is decimal m && m % 1 == 0 && m >= 0
            ? string.Create(CultureInfo.InvariantCulture, $" PowerShell reads {m}d unquoted as the decimal {m}, not {m} day(s): quote it ('{m}d') or give seconds ({m * 86400}).")
            : " Quote a Vault duration ('90s', '1h30m', '1d') or give whole seconds.";
        return new Duration(null, text, $"got the {(number is decimal ? "decimal" : "fractional")} number {text}, which is not a duration.{suffix}");
    }

    /// <summary>The TimeSpan, or DynamicAwsCreds.InvalidDuration naming the parameter.</summary>
    internal TimeSpan Resolve(string parameterName) => _refusal is { } refusal
        ? throw new EngineException("InvalidDuration", ErrorKind.InvalidArgument, Text, $"-{parameterName} {refusal}")
        : Durations.Validate(_value ?? Durations.Parse(Text, parameterName), parameterName, Text);

    public override string ToString() => _value is { } v ? Durations.Format(v) : Text;

    /// <summary>A duration as Vault prints it ("768h", "5m", "1h30m"); the views call it. Empty for null.</summary>
    public static string Format(TimeSpan? value) => value is { } v ? Durations.Format(v) : string.Empty;
}

/// <summary>Turns whatever was typed into a <see cref="Duration"/>; never fails, so validation can name the reason.</summary>
public sealed class DurationTransformAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) => Duration.From(inputData);
}
