using System.Globalization;

namespace LocalAws;

/// <summary>A three-valued answer: LocalAws cannot decide a condition on a key or with an operator it does not model.</summary>
internal enum Truth
{
    False,
    True,
    Unknown,
}

/// <summary>
/// The condition keys of one request, as a policy's Condition block and policy variables see them: values by key
/// (case-insensitive), and which keys LocalAws models at all. A key it models but the request lacks is absent, as in
/// AWS; a key it does not model is unknown (it may well be present in AWS), so a condition on it cannot be decided.
/// </summary>
internal sealed class ConditionContext(IReadOnlyDictionary<string, string[]> values, Func<string, bool> isKnown)
{
    public static readonly IReadOnlyDictionary<string, string[]> NoValues = new Dictionary<string, string[]>();

    /// <summary>The keys that hold several values (the For…Values qualifiers apply to them).</summary>
    private static readonly HashSet<string> MultiValued = new(StringComparer.OrdinalIgnoreCase) { "aws:TagKeys", "sts:TransitiveTagKeys" };

    public bool IsKnown(string key) => isKnown(key);

    public bool TryGet(string key, out string[] found) => values.TryGetValue(key, out found!);

    public static bool IsMultiValued(string key) => MultiValued.Contains(key);

    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>
/// IAM's condition operators, as the IAM User Guide's "Condition operators" page defines them: String*, Arn*, Numeric*,
/// Date*, Bool and Null, each with …IfExists, and the ForAllValues:/ForAnyValue: set qualifiers for multivalued keys.
/// A key absent from the request makes a condition false, except for the negated operators (true), …IfExists (true)
/// and Null. Any other operator (IpAddress, Binary…) and any key LocalAws does not model are <see cref="Truth.Unknown"/>.
/// </summary>
internal static class PolicyConditions
{
    /// <summary>All conditions of one statement (they are ANDed; a key's values are ORed, negated operators NOR them).</summary>
    public static Truth All(IEnumerable<(string Op, string Key, string[] Values)> conditions, ConditionContext context)
    {
        var result = Truth.True;
        foreach (var (op, key, values) in conditions)
        {
            var one = One(op, key, values, context);
            if (one == Truth.False)
            {
                return Truth.False;
            }

            if (one == Truth.Unknown)
            {
                result = Truth.Unknown;
            }
        }

        return result;
    }

    private static Truth One(string rawOp, string key, string[] values, ConditionContext context)
    {
        if (!context.IsKnown(key))
        {
            return Truth.Unknown;
        }

        var op = rawOp;
        string? qualifier = null;
        var colon = op.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            qualifier = op[..colon].ToLowerInvariant();
            op = op[(colon + 1)..];
            if (qualifier is not ("forallvalues" or "foranyvalue"))
            {
                return Truth.Unknown;
            }
        }

        var ifExists = op.EndsWith("IfExists", StringComparison.OrdinalIgnoreCase);
        if (ifExists)
        {
            op = op[..^"IfExists".Length];
        }

        op = op.ToLowerInvariant();
        var present = context.TryGet(key, out var actual) && actual.Length > 0;
        if (op == "null")
        {
            return values.Any(v => string.Equals(v, present ? "false" : "true", StringComparison.OrdinalIgnoreCase)) ? Truth.True : Truth.False;
        }

        if (!Operators.Contains(op))
        {
            return Truth.Unknown;
        }

        if (qualifier is null && ConditionContext.IsMultiValued(key))
        {
            // A single-valued operator on a multivalued key: AWS's answer depends on details LocalAws does not model.
            return Truth.Unknown;
        }

        if (!present)
        {
            return qualifier == "forallvalues" || ifExists || IsNegated(op) ? Truth.True : Truth.False;
        }

        var each = actual.Select(a => Compare(op, a, values, context)).ToList();
        if (each.Contains(Truth.Unknown))
        {
            return Truth.Unknown;
        }

        return (qualifier == "forallvalues" ? each.All(t => t == Truth.True) : each.Any(t => t == Truth.True)) ? Truth.True : Truth.False;
    }

    private static readonly HashSet<string> Operators = new(StringComparer.Ordinal)
    {
        "stringequals", "stringnotequals", "stringequalsignorecase", "stringnotequalsignorecase", "stringlike", "stringnotlike",
        "arnequals", "arnlike", "arnnotequals", "arnnotlike",
        "numericequals", "numericnotequals", "numericlessthan", "numericlessthanequals", "numericgreaterthan", "numericgreaterthanequals",
        "dateequals", "datenotequals", "datelessthan", "datelessthanequals", "dategreaterthan", "dategreaterthanequals",
        "bool",
    };

    private static bool IsNegated(string op) =>
        op is "stringnotequals" or "stringnotequalsignorecase" or "stringnotlike" or "arnnotequals" or "arnnotlike" or "numericnotequals" or "datenotequals";

    /// <summary>One request value against the policy's values: any of them for a positive operator, none for a negated one.</summary>
    private static Truth Compare(string op, string actual, string[] values, ConditionContext context)
    {
        var any = Truth.False;
        foreach (var v in values)
        {
            var hit = Matches(op, actual, v, context);
            if (hit == Truth.Unknown)
            {
                return Truth.Unknown;
            }

            if (hit == Truth.True)
            {
                any = Truth.True;
            }
        }

        return IsNegated(op) ? (any == Truth.True ? Truth.False : Truth.True) : any;
    }

    private static Truth Matches(string op, string actual, string expected, ConditionContext context)
    {
        switch (op)
        {
            case "stringequals" or "stringnotequals" or "stringequalsignorecase" or "stringnotequalsignorecase" or "stringlike" or "stringnotlike"
                or "arnequals" or "arnlike" or "arnnotequals" or "arnnotlike":
                {
                    var ignoreCase = op.Contains("ignorecase", StringComparison.Ordinal);
                    var wildcards = op.Contains("like", StringComparison.Ordinal) || op.StartsWith("arn", StringComparison.Ordinal);
                    var pattern = PolicyPattern.Parse(expected, context, wildcards);
                    return pattern.Truth == Truth.True
                        ? (pattern.Match(actual, ignoreCase, arn: op.StartsWith("arn", StringComparison.Ordinal)) ? Truth.True : Truth.False)
                        : pattern.Truth;
                }

            case "bool":
                return string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase) ? Truth.True : Truth.False;

            case var numeric when numeric.StartsWith("numeric", StringComparison.Ordinal):
                {
                    if (!decimal.TryParse(actual, NumberStyles.Number, CultureInfo.InvariantCulture, out var a)
                        || !decimal.TryParse(expected, NumberStyles.Number, CultureInfo.InvariantCulture, out var e))
                    {
                        return Truth.False;
                    }

                    return Order(numeric["numeric".Length..], a.CompareTo(e));
                }

            default:
                {
                    if (!PolicyEvaluator.TryParseDate(actual, out var a) || !PolicyEvaluator.TryParseDate(expected, out var e))
                    {
                        return Truth.False;
                    }

                    return Order(op["date".Length..], a.CompareTo(e));
                }
        }
    }

    private static Truth Order(string relation, int comparison) => relation switch
    {
        "equals" => comparison == 0,
        "notequals" => comparison == 0,
        "lessthan" => comparison < 0,
        "lessthanequals" => comparison <= 0,
        "greaterthan" => comparison > 0,
        _ => comparison >= 0,
    } ? Truth.True : Truth.False;
}
