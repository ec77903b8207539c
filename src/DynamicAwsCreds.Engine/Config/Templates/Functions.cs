using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>What a function needs while rendering: the data, the clock and the random source.</summary>
internal sealed record RenderContext(TemplateData Data, DateTimeOffset Now, Func<int, string> Random);

/// <summary>A function refused its arguments; the evaluator adds where the call is.</summary>
internal sealed class FunctionException(string message) : Exception(message);

/// <summary>An argument as far as it is known: its type, and its value when it is a literal (or at render time).</summary>
internal readonly record struct ArgInfo(ValueType Type, object? Constant);

internal enum ShortCircuit
{
    None,
    And,
    Or,
}

/// <summary>A template function: its signature, the checks on its arguments, and what it does.</summary>
/// <param name="Usage">How it is called, for error messages.</param>
/// <param name="Variadic">The type of any arguments after <see cref="Parameters"/>, or null when there may be none.</param>
/// <param name="Validate">Returns why the arguments are unacceptable, or null. Runs at parse time on what is known, and again on the real values.</param>
internal sealed record Function(
    string Name,
    string Usage,
    IReadOnlyList<ValueType> Parameters,
    ValueType? Variadic,
    ValueType Result,
    Func<object[], RenderContext, object> Invoke,
    Func<IReadOnlyList<ArgInfo>, string?>? Validate = null,
    ShortCircuit ShortCircuit = ShortCircuit.None)
{
    public ValueType ResultFor(IReadOnlyList<ValueType> argTypes) =>
        ShortCircuit == ShortCircuit.None ? Result
        : argTypes.Distinct().Count() == 1 ? argTypes[0]
        : ValueType.Any;
}

internal static class Values
{
    public static ValueType TypeOf(object value) => value switch
    {
        string => ValueType.String,
        long => ValueType.Int,
        bool => ValueType.Bool,
        TemplateData => ValueType.Data,
        _ => throw new InvalidOperationException($"not a template value: {value.GetType()}"),
    };

    /// <summary>What Go calls the type of a value, for messages worded as Go's.</summary>
    public static string GoTypeName(object value) => GoTypeName(TypeOf(value));

    public static string GoTypeName(ValueType type) => type switch
    {
        ValueType.String => "string",
        ValueType.Int => "int",
        ValueType.Bool => "bool",
        ValueType.Data => "aws.UsernameMetadata",
        _ => "interface {}",
    };

    public static string Describe(ValueType type) => type switch
    {
        ValueType.String => "a string",
        ValueType.Int => "a number",
        ValueType.Bool => "a boolean",
        ValueType.Data => "the template data",
        _ => "any value",
    };

    /// <summary>Prints a value as Go's text/template does; the data as Vault's struct of Type, DisplayName and PolicyName.</summary>
    public static string Print(object value) => value switch
    {
        string s => s,
        long n => n.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        TemplateData d => $"{{{d.Type} {d.DisplayName} {d.PolicyName}}}",
        _ => throw new InvalidOperationException($"not a template value: {value.GetType()}"),
    };

    /// <summary>Go's truth: false, 0 and "" are false; a struct (the data) is true.</summary>
    public static bool IsTrue(object value) => value switch
    {
        string s => s.Length > 0,
        long n => n != 0,
        bool b => b,
        TemplateData => true,
        _ => false,
    };
}

/// <summary>The functions Vault gives username templates, plus Go's built-in comparisons and logic (and <see cref="GoBuiltins"/>).</summary>
internal static class Functions
{
    private static readonly ValueType[] None = [];
    private static readonly ValueType[] OneString = [ValueType.String];
    private static readonly ValueType[] IntAndString = [ValueType.Int, ValueType.String];

    public static readonly IReadOnlyDictionary<string, Function> All = new Function[]
    {
        new("printf", "printf \"FORMAT\" VALUE...", OneString, ValueType.Any, ValueType.String,
            (a, _) => GoFormat.Sprintf((string)a[0], a[1..]),
            args => args[0].Constant is string format
                ? GoFormat.Check(format, args.Skip(1).Select(x => x.Type).ToList())
                : null),

        new("random", "random N", [ValueType.Int], null, ValueType.String,
            (a, ctx) => ctx.Random((int)(long)a[0]),
            args => args[0].Constant is long n && n is < 0 or > 1000 ? $"random length must be 0 to 1000 but was {n}" : null),
        new("truncate", "truncate N STRING, or STRING | truncate N", IntAndString, null, ValueType.String,
            (a, _) => Truncate((string)a[1], (long)a[0]),
            args => args[0].Constant is long n && n <= 0 ? $"truncate length must be > 0 but was {n}" : null),
        new("truncate_sha256", "truncate_sha256 N STRING, or STRING | truncate_sha256 N", IntAndString, null, ValueType.String,
            (a, _) => TruncateSha256((string)a[1], (long)a[0]),
            args => args[0].Constant is long n && n <= 8 ? $"truncate_sha256 length must be > 8 but was {n}" : null),
        new("uppercase", "uppercase STRING, or STRING | uppercase", OneString, null, ValueType.String,
            (a, _) => ((string)a[0]).ToUpperInvariant()),
        new("lowercase", "lowercase STRING, or STRING | lowercase", OneString, null, ValueType.String,
            (a, _) => ((string)a[0]).ToLowerInvariant()),
        new("replace", "replace \"OLD\" \"NEW\" STRING, or STRING | replace \"OLD\" \"NEW\"",
            [ValueType.String, ValueType.String, ValueType.String], null, ValueType.String,
            (a, _) => ReplaceAll((string)a[2], (string)a[0], (string)a[1])),
        new("sha256", "sha256 STRING, or STRING | sha256", OneString, null, ValueType.String,
            (a, _) => Sha256Hex((string)a[0])),
        new("base64", "base64 STRING, or STRING | base64", OneString, null, ValueType.String,
            (a, _) => Convert.ToBase64String(Encoding.UTF8.GetBytes((string)a[0]))),

        new("unix_time", "unix_time", None, null, ValueType.String,
            (_, ctx) => ctx.Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
        new("unix_time_millis", "unix_time_millis", None, null, ValueType.String,
            (_, ctx) => ctx.Now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)),
        new("timestamp", "timestamp \"GO-LAYOUT\" (for example timestamp \"2006-01-02T15:04:05Z07:00\")", OneString, null, ValueType.String,
            (a, ctx) => GoTimeLayout.Format(ctx.Now, (string)a[0])),
        new("uuid", "uuid", None, null, ValueType.String,
            (_, _) => Uuid()),

        new("eq", "eq A B...", [ValueType.Any, ValueType.Any], ValueType.Any, ValueType.Bool,
            (a, _) => a.Skip(1).Any(b => a[0].Equals(b)),
            Comparable),
        new("ne", "ne A B", [ValueType.Any, ValueType.Any], null, ValueType.Bool,
            (a, _) => !a[0].Equals(a[1]),
            Comparable),
        new("not", "not A", [ValueType.Any], null, ValueType.Bool,
            (a, _) => !Values.IsTrue(a[0])),
        new("and", "and A B...", [ValueType.Any], ValueType.Any, ValueType.Any,
            (a, _) => a.FirstOrDefault(x => !Values.IsTrue(x)) ?? a[^1],
            ShortCircuit: ShortCircuit.And),
        new("or", "or A B...", [ValueType.Any], ValueType.Any, ValueType.Any,
            (a, _) => a.FirstOrDefault(Values.IsTrue) ?? a[^1],
            ShortCircuit: ShortCircuit.Or),
    }.Concat(GoBuiltins.All).ToDictionary(f => f.Name, StringComparer.Ordinal);

    private static string? Comparable(IReadOnlyList<ArgInfo> args)
    {
        var known = args.Select(a => a.Type).Where(t => t != ValueType.Any).Distinct().ToList();
        return known.Count > 1
            ? $"cannot compare {Values.Describe(known[0])} with {Values.Describe(known[1])}"
            : null;
    }

    // Vault's truncate counts UTF-8 bytes, as Go's len and slicing do.
    private static string Truncate(string s, long max) => GoStrings.Prefix(s, max);

    // Vault hashes only the bytes cut off, not the whole input, and keeps the first 8 hex digits of that hash.
    private static string TruncateSha256(string s, long max)
    {
        if (GoStrings.ByteCount(s) <= max)
        {
            return s;
        }

        var bytes = Encoding.UTF8.GetBytes(s);
        var keep = (int)max - 8;
        var hash = Convert.ToHexString(SHA256.HashData(bytes.AsSpan(keep))).ToLowerInvariant();
        return Encoding.UTF8.GetString(bytes, 0, keep) + hash[..8];
    }

    private static string Sha256Hex(string s) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s))).ToLowerInvariant();

    // Go's strings.ReplaceAll with an empty "old" inserts "new" before every character and at the end.
    private static string ReplaceAll(string s, string old, string replacement)
    {
        if (old.Length > 0)
        {
            return s.Replace(old, replacement, StringComparison.Ordinal);
        }

        var sb = new StringBuilder(replacement);
        foreach (var rune in s.EnumerateRunes())
        {
            sb.Append(rune.ToString()).Append(replacement);
        }

        return sb.ToString();
    }

    // Like Vault's go-uuid: 16 random bytes shown as 8-4-4-4-12 lowercase hex, with no version bits set.
    private static string Uuid()
    {
        var hex = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }
}
