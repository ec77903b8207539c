using System.Globalization;
using System.Text;

namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>
/// Formats a time with a Go layout string, which spells each element as it would appear for the reference time
/// <c>Mon Jan 2 15:04:05 MST 2006</c>; anything that is not a layout element is copied as is.
/// </summary>
internal static class GoTimeLayout
{
    private static readonly string[] Elements =
    [
        // Longest first, so "January" wins over "Jan" and "2006" over "2", as Go's scanner decides.
        "January", "Monday", "Z07:00:00", "-07:00:00", "Z070000", "-070000",
        "Z07:00", "-07:00", "Z0700", "-0700", "2006", "Jan", "Mon", "MST", "Z07", "-07", "002", "__2",
        "01", "02", "03", "04", "05", "06", "15", "_2", "PM", "pm", "1", "2", "3", "4", "5",
    ];

    public static string Format(DateTimeOffset t, string layout)
    {
        var sb = new StringBuilder();
        var i = 0;
        while (i < layout.Length)
        {
            if (MatchFraction(layout, i) is { } fraction)
            {
                AppendFraction(sb, t, layout[i], fraction.Digits, fraction.Trim);
                i += 1 + fraction.Digits;
                continue;
            }

            var element = Match(layout, i);
            if (element is null)
            {
                sb.Append(layout[i++]);
                continue;
            }

            Append(sb, t, element);
            i += element.Length;
        }

        return sb.ToString();
    }

    private static string? Match(string layout, int i)
    {
        foreach (var element in Elements)
        {
            if (string.CompareOrdinal(layout, i, element, 0, element.Length) != 0)
            {
                continue;
            }

            // Go reads "Janet" and "Monsoon" as words, not as a month or weekday followed by letters.
            if (element is "Jan" or "Mon" && i + 3 < layout.Length && char.IsAsciiLetterLower(layout[i + 3]))
            {
                continue;
            }

            // Go reads "_2006" as a literal underscore followed by the year.
            if (element == "_2" && string.CompareOrdinal(layout, i + 1, "2006", 0, 4) == 0)
            {
                return null;
            }

            return element;
        }

        return null;
    }

    /// <summary>".000" or ",999": a separator then a run of one repeated digit that no other digit follows.</summary>
    private static (int Digits, bool Trim)? MatchFraction(string layout, int i)
    {
        if (layout[i] is not ('.' or ',') || i + 1 >= layout.Length || layout[i + 1] is not ('0' or '9'))
        {
            return null;
        }

        var digit = layout[i + 1];
        var end = i + 1;
        while (end < layout.Length && layout[end] == digit)
        {
            end++;
        }

        return end < layout.Length && char.IsAsciiDigit(layout[end]) ? null : (end - i - 1, digit == '9');
    }

    private static void AppendFraction(StringBuilder sb, DateTimeOffset t, char separator, int digits, bool trim)
    {
        var nanos = (t.Ticks % TimeSpan.TicksPerSecond * 100).ToString("D9", CultureInfo.InvariantCulture);
        var n = Math.Min(digits, 9);
        if (trim)
        {
            while (n > 0 && nanos[n - 1] == '0')
            {
                n--;
            }

            if (n == 0)
            {
                return;
            }
        }

        sb.Append(separator).Append(nanos, 0, n);
    }

    private static void Append(StringBuilder sb, DateTimeOffset t, string element)
    {
        var inv = CultureInfo.InvariantCulture;
        var hour12 = t.Hour % 12 == 0 ? 12 : t.Hour % 12;
        switch (element)
        {
            case "January": sb.Append(inv.DateTimeFormat.GetMonthName(t.Month)); break;
            case "Jan": sb.Append(inv.DateTimeFormat.GetAbbreviatedMonthName(t.Month)); break;
            case "Monday": sb.Append(inv.DateTimeFormat.GetDayName(t.DayOfWeek)); break;
            case "Mon": sb.Append(inv.DateTimeFormat.GetAbbreviatedDayName(t.DayOfWeek)); break;
            case "2006": sb.Append(t.Year.ToString("D4", inv)); break;
            case "06": sb.Append((t.Year % 100).ToString("D2", inv)); break;
            case "01": sb.Append(t.Month.ToString("D2", inv)); break;
            case "1": sb.Append(t.Month.ToString(inv)); break;
            case "02": sb.Append(t.Day.ToString("D2", inv)); break;
            case "_2": sb.Append(t.Day.ToString(inv).PadLeft(2)); break;
            case "2": sb.Append(t.Day.ToString(inv)); break;
            case "002": sb.Append(t.DayOfYear.ToString("D3", inv)); break;
            case "__2": sb.Append(t.DayOfYear.ToString(inv).PadLeft(3)); break;
            case "15": sb.Append(t.Hour.ToString("D2", inv)); break;
            case "03": sb.Append(hour12.ToString("D2", inv)); break;
            case "3": sb.Append(hour12.ToString(inv)); break;
            case "04": sb.Append(t.Minute.ToString("D2", inv)); break;
            case "4": sb.Append(t.Minute.ToString(inv)); break;
            case "05": sb.Append(t.Second.ToString("D2", inv)); break;
            case "5": sb.Append(t.Second.ToString(inv)); break;
            case "PM": sb.Append(t.Hour >= 12 ? "PM" : "AM"); break;
            case "pm": sb.Append(t.Hour >= 12 ? "pm" : "am"); break;
            case "MST":
                // A DateTimeOffset carries no zone name; Go likewise prints the numeric offset for unnamed zones.
                sb.Append(t.Offset == TimeSpan.Zero ? "UTC" : Offset(t.Offset, ":00", false));
                break;
            default:
                AppendOffset(sb, t.Offset, element);
                break;
        }
    }

    private static void AppendOffset(StringBuilder sb, TimeSpan offset, string element)
    {
        // Go's "Z" forms stand for ISO 8601, which writes a zero offset as "Z".
        if (element[0] == 'Z' && offset == TimeSpan.Zero)
        {
            sb.Append('Z');
            return;
        }

        sb.Append(Offset(offset, element[3..], element.Contains(':', StringComparison.Ordinal)));
    }

    /// <param name="tail">What follows the hours in the layout element: "", "00", ":00", "0000" or ":00:00".</param>
    private static string Offset(TimeSpan offset, string tail, bool colons)
    {
        var total = (int)offset.TotalSeconds;
        var sign = total < 0 ? '-' : '+';
        total = Math.Abs(total);
        var inv = CultureInfo.InvariantCulture;
        var sep = colons ? ":" : "";
        var text = sign + (total / 3600).ToString("D2", inv);
        var digits = tail.Replace(":", "", StringComparison.Ordinal).Length;
        if (digits >= 2)
        {
            text += sep + (total / 60 % 60).ToString("D2", inv);
        }

        if (digits >= 4)
        {
            text += sep + (total % 60).ToString("D2", inv);
        }

        return text;
    }
}
