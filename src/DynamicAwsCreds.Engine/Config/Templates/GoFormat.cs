using System.Globalization;
using System.Text;

namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>
/// The part of Go's <c>fmt.Sprintf</c> that username templates use: verbs <c>%s %d %v %%</c> with the flags
/// <c>-</c>, <c>+</c> and <c>0</c>, a width and a precision.
/// </summary>
/// <remarks>
/// Where Go would print a marker such as <c>%!d(string=x)</c> or <c>%!(EXTRA …)</c> into the result, this refuses
/// instead: a user name containing those markers is never what the operator meant.
/// </remarks>
internal static class GoFormat
{
    // Far beyond any IAM or STS name, small enough that a typo cannot allocate gigabytes.
    private const int MaxWidth = 1000;

    private readonly record struct Verb(char Kind, bool Minus, bool Plus, bool Zero, int? Width, int? Precision);

    /// <summary>Either literal text or a verb.</summary>
    private readonly record struct Piece(string? Literal, Verb Verb);

    /// <returns>Why <paramref name="format"/> cannot take arguments of these types, or null when it can.</returns>
    public static string? Check(string format, IReadOnlyList<ValueType> argTypes)
    {
        if (!TryParse(format, out var pieces, out var error))
        {
            return error;
        }

        var verbs = pieces.Where(p => p.Literal is null).Select(p => p.Verb).ToList();
        if (verbs.Count != argTypes.Count)
        {
            return $"printf format \"{format}\" has {verbs.Count} verb(s) but is given {argTypes.Count} value(s)";
        }

        for (var i = 0; i < verbs.Count; i++)
        {
            if (TypeError(verbs[i], argTypes[i], i) is { } typeError)
            {
                return $"printf format \"{format}\": {typeError}";
            }
        }

        return null;
    }

    /// <exception cref="FunctionException">The format does not fit the arguments.</exception>
    public static string Sprintf(string format, IReadOnlyList<object> args)
    {
        if (Check(format, args.Select(Values.TypeOf).ToList()) is { } error)
        {
            throw new FunctionException(error);
        }

        TryParse(format, out var pieces, out _);
        var sb = new StringBuilder();
        var next = 0;
        foreach (var piece in pieces)
        {
            if (piece.Literal is not null)
            {
                sb.Append(piece.Literal);
                continue;
            }

            var arg = args[next++];
            var verb = piece.Verb;
            switch (arg)
            {
                case long n:
                    sb.Append(FormatInt(n, verb));
                    break;
                case string s:
                    sb.Append(Pad(verb.Precision is { } p ? TakeRunes(s, p) : s, verb, ' '));
                    break;
                case bool b:
                    sb.Append(Pad(b ? "true" : "false", verb, ' '));
                    break;
                case TemplateData d:
                    sb.Append(Pad(Values.Print(d), verb, ' '));
                    break;
            }
        }

        return sb.ToString();
    }

    private static string? TypeError(Verb verb, ValueType type, int index)
    {
        var wanted = verb.Kind switch
        {
            's' => ValueType.String,
            'd' => ValueType.Int,
            _ => ValueType.Any,
        };

        if (wanted != ValueType.Any && type != ValueType.Any && type != wanted)
        {
            return $"%{verb.Kind} needs {Values.Describe(wanted)} but value {index + 1} is {Values.Describe(type)}";
        }

        if (verb.Zero && type == ValueType.String)
        {
            return $"the 0 flag is only supported for numbers (value {index + 1} is a string)";
        }

        return null;
    }

    private static bool TryParse(string format, out List<Piece> pieces, out string? error)
    {
        pieces = [];
        error = null;
        var literal = new StringBuilder();
        var i = 0;
        while (i < format.Length)
        {
            var c = format[i++];
            if (c != '%')
            {
                literal.Append(c);
                continue;
            }

            if (i < format.Length && format[i] == '%')
            {
                literal.Append('%');
                i++;
                continue;
            }

            if (literal.Length > 0)
            {
                pieces.Add(new Piece(literal.ToString(), default));
                literal.Clear();
            }

            bool minus = false, plus = false, zero = false;
            for (; i < format.Length && format[i] is '-' or '+' or '0'; i++)
            {
                minus |= format[i] == '-';
                plus |= format[i] == '+';
                zero |= format[i] == '0';
            }

            var width = ReadNumber(format, ref i);
            int? precision = null;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                precision = ReadNumber(format, ref i) ?? 0;
            }

            if (i >= format.Length)
            {
                error = $"printf format \"{format}\" ends in the middle of a verb";
                return false;
            }

            var kind = format[i++];
            if (kind is not ('s' or 'd' or 'v'))
            {
                error = $"printf verb '%{kind}' in \"{format}\" is not supported (use %s, %d, %v or %%)";
                return false;
            }

            if (width > MaxWidth || precision > MaxWidth)
            {
                error = $"printf width or precision in \"{format}\" is larger than {MaxWidth}";
                return false;
            }

            // Go: '-' pads on the right, which leaves no room for zero padding.
            pieces.Add(new Piece(null, new Verb(kind, minus, plus, zero && !minus, width, precision)));
        }

        if (literal.Length > 0)
        {
            pieces.Add(new Piece(literal.ToString(), default));
        }

        return true;
    }

    private static int? ReadNumber(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }

        if (i == start)
        {
            return null;
        }

        return int.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : int.MaxValue;
    }

    private static string FormatInt(long n, Verb verb)
    {
        var digits = n == long.MinValue
            ? "9223372036854775808"
            : Math.Abs(n).ToString(CultureInfo.InvariantCulture);
        if (verb.Precision is { } precision)
        {
            // Go prints nothing at all for %.0d of zero.
            digits = precision == 0 && n == 0 ? "" : digits.PadLeft(precision, '0');
        }

        var sign = n < 0 ? "-" : verb.Plus ? "+" : "";

        // Go ignores the 0 flag once a precision is given.
        if (verb.Zero && verb.Precision is null && verb.Width is { } width)
        {
            return sign + digits.PadLeft(Math.Max(0, width - sign.Length), '0');
        }

        return Pad(sign + digits, verb, ' ');
    }

    private static string Pad(string s, Verb verb, char fill)
    {
        var runes = CountRunes(s);
        if (verb.Width is not { } width || runes >= width)
        {
            return s;
        }

        var padding = new string(fill, width - runes);
        return verb.Minus ? s + padding : padding + s;
    }

    private static int CountRunes(string s)
    {
        var count = 0;
        foreach (var _ in s.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static string TakeRunes(string s, int count)
    {
        var sb = new StringBuilder();
        foreach (var rune in s.EnumerateRunes())
        {
            if (count-- <= 0)
            {
                break;
            }

            sb.Append(rune.ToString());
        }

        return sb.ToString();
    }
}
