using System.Globalization;
using System.Text;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>
/// Go text/template's built-in functions that work on the values a username template has (strings, integers,
/// booleans): len, index, slice, print and the ordering comparisons lt, le, gt, ge. Strings are measured and cut in
/// UTF-8 bytes and compared byte by byte, as Go does.
/// </summary>
internal static class GoBuiltins
{
    private const string BadComparisonType = "invalid type for comparison";
    private const string BadComparison = "incompatible types for comparison";

    public static IEnumerable<Function> All { get; } =
    [
        new("len", "len STRING", [ValueType.Any], null, ValueType.Int,
            (a, _) => a[0] is string s ? (long)GoStrings.ByteCount(s) : throw new FunctionException($"len of type {Values.GoTypeName(a[0])}"),
            args => args[0].Type is ValueType.Int or ValueType.Bool or ValueType.Data ? $"len of type {Values.GoTypeName(args[0].Type)}" : null),
        new("index", "index STRING N (the byte at N, as a number)", [ValueType.String, ValueType.Int], null, ValueType.Int,
            (a, _) => (long)GoStrings.ByteAt((string)a[0], (long)a[1])),
        new("slice", "slice STRING [FROM [TO]] (bytes FROM to TO)", [ValueType.String], ValueType.Int, ValueType.String,
            (a, _) => a.Length > 3 ? throw new FunctionException("cannot 3-index slice a string") : GoStrings.Slice((string)a[0], a[1..].Cast<long>().ToArray()),
            args => args.Count > 3 ? "cannot 3-index slice a string" : null),
        new("print", "print VALUE...", [], ValueType.Any, ValueType.String,
            (a, _) => Sprint(a)),

        Ordering("lt", (a, b) => Compare(a, b) < 0),
        Ordering("le", (a, b) => Compare(a, b) <= 0),
        Ordering("gt", (a, b) => Compare(a, b) > 0),
        Ordering("ge", (a, b) => Compare(a, b) >= 0),
    ];

    private static Function Ordering(string name, Func<object, object, bool> test) =>
        new(name, $"{name} A B (two numbers or two strings)", [ValueType.Any, ValueType.Any], null, ValueType.Bool,
            (a, _) => CheckOrdered(a[0], a[1]) is { } error ? throw new FunctionException($"{name}: {error}") : test(a[0], a[1]),
            args => OrderedTypes(args[0].Type, args[1].Type) is { } error ? $"{name}: {error}" : null);

    private static string? CheckOrdered(object a, object b) => OrderedTypes(Values.TypeOf(a), Values.TypeOf(b));

    // Go orders integers and strings only; a boolean or a struct is "invalid", two different kinds "incompatible".
    private static string? OrderedTypes(ValueType a, ValueType b)
    {
        if (a is ValueType.Bool or ValueType.Data || b is ValueType.Bool or ValueType.Data)
        {
            return BadComparisonType;
        }

        return a != ValueType.Any && b != ValueType.Any && a != b ? BadComparison : null;
    }

    private static int Compare(object a, object b) => a switch
    {
        long x => x.CompareTo((long)b),
        string s => CodePointOrder.Instance.Compare(s, (string)b),
        _ => throw new FunctionException(BadComparisonType),
    };

    // fmt.Sprint: a space goes between two operands when neither is a string.
    private static string Sprint(object[] values)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0 && values[i] is not string && values[i - 1] is not string)
            {
                sb.Append(' ');
            }

            sb.Append(Values.Print(values[i]));
        }

        return sb.ToString();
    }
}

/// <summary>Go's view of a string: a sequence of UTF-8 bytes.</summary>
internal static class GoStrings
{
    public static int ByteCount(string s) => Encoding.UTF8.GetByteCount(s);

    /// <summary>The first <paramref name="max"/> bytes; a character cut in two becomes U+FFFD, which no AWS name allows.</summary>
    public static string Prefix(string s, long max) => ByteCount(s) <= max ? s : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(s), 0, (int)max);

    public static byte ByteAt(string s, long i)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        return i >= 0 && i < bytes.Length
            ? bytes[i]
            : throw new FunctionException($"error calling index: index out of range: {i.ToString(CultureInfo.InvariantCulture)}");
    }

    public static string Slice(string s, long[] indexes)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var from = indexes.Length > 0 ? indexes[0] : 0;
        var to = indexes.Length > 1 ? indexes[1] : bytes.Length;
        if (from < 0 || to > bytes.Length || from > to)
        {
            throw new FunctionException($"error calling slice: index out of range: {(from < 0 || from > bytes.Length ? from : to).ToString(CultureInfo.InvariantCulture)}");
        }

        return Encoding.UTF8.GetString(bytes, (int)from, (int)(to - from));
    }
}
