using System.Globalization;
using System.Management.Automation;
using DynamicAwsCreds.Engine;

namespace DynamicAwsCreds;

/// <summary>
/// A duration as a user gives it: a TimeSpan, seconds as a number, or a Vault string ("768h", "30m",
/// "1h30m"). Input that is not a duration is kept as given, so the cmdlet can refuse it with
/// DynamicAwsCreds.InvalidDuration instead of a generic binding error.
/// </summary>
public sealed class Duration
{
    private readonly TimeSpan? _value;

    private Duration(TimeSpan? value, string text)
    {
        _value = value;
        Text = text;
    }

    public string Text { get; }

    internal static Duration From(object? input)
    {
        var raw = input is PSObject pso ? pso.BaseObject : input;
        return raw switch
        {
            TimeSpan t => new Duration(t, t.ToString()),
            int or long or short or byte or uint or ulong => new Duration(
                Convert.ToInt64(raw, CultureInfo.InvariantCulture) is var s && s >= 0 && s <= 3_153_600_000 ? TimeSpan.FromSeconds(s) : null,
                Convert.ToString(raw, CultureInfo.InvariantCulture)!),
            double or float or decimal => new Duration(
                Convert.ToDouble(raw, CultureInfo.InvariantCulture) is var d && d >= 0 && d <= 3_153_600_000 ? TimeSpan.FromSeconds(d) : null,
                Convert.ToString(raw, CultureInfo.InvariantCulture)!),
            string str => new Duration(Durations.TryParse(str, out var parsed) ? parsed : null, str),
            Duration already => already,
            _ => new Duration(null, Convert.ToString(raw, CultureInfo.InvariantCulture) ?? string.Empty),
        };
    }

    /// <summary>The TimeSpan, or DynamicAwsCreds.InvalidDuration naming the parameter.</summary>
    internal TimeSpan Resolve(string parameterName) =>
        Durations.Validate(_value ?? Durations.Parse(Text, parameterName), parameterName, Text);

    public override string ToString() => _value is { } v ? Durations.Format(v) : Text;
}

/// <summary>Turns whatever was typed into a <see cref="Duration"/>; never fails, so validation can name the reason.</summary>
public sealed class DurationTransformAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) => Duration.From(inputData);
}
