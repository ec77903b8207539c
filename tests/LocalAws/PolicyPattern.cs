using System.Text;

namespace LocalAws;

/// <summary>
/// A Resource/NotResource element or a condition value with its policy variables (<c>${aws:username}</c>,
/// <c>${key, 'default'}</c>, and the literals <c>${*}</c>, <c>${?}</c>, <c>${$}</c>) resolved from the request, and
/// <c>*</c>/<c>?</c> wildcards when the element takes them. In an ARN (<paramref name="arn"/> of <see cref="Match"/>)
/// a wildcard stays inside its colon-separated segment, except a <c>*</c> that ends a segment, which may run on
/// beyond the colons (the IAM User Guide's Resource element page).
/// </summary>
internal sealed class PolicyPattern
{
    private enum Kind
    {
        Literal,
        Star,
        Question,
    }

    private readonly List<(Kind Kind, char Char)> tokens = [];

    private PolicyPattern(Truth truth) => Truth = truth;

    /// <summary>True when the pattern could be built; False when a variable names a key the request lacks (nothing matches); Unknown for a key LocalAws does not model.</summary>
    public Truth Truth { get; }

    public static PolicyPattern Parse(string text, ConditionContext context, bool wildcards)
    {
        var literal = new StringBuilder();
        var parts = new List<(string Text, bool Wild)>();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{' && text.IndexOf('}', i + 2) is var end and > 0)
            {
                var resolved = Variable(text[(i + 2)..end].Trim(), context, out var truth);
                if (truth != Truth.True)
                {
                    return new PolicyPattern(truth);
                }

                parts.Add((literal.ToString(), wildcards));
                parts.Add((resolved!, false));
                literal.Clear();
                i = end + 1;
                continue;
            }

            literal.Append(text[i]);
            i++;
        }

        parts.Add((literal.ToString(), wildcards));
        var pattern = new PolicyPattern(Truth.True);
        foreach (var (part, wild) in parts)
        {
            foreach (var c in part)
            {
                pattern.tokens.Add(wild && c == '*' ? (Kind.Star, c) : wild && c == '?' ? (Kind.Question, c) : (Kind.Literal, c));
            }
        }

        return pattern;
    }

    private static string? Variable(string name, ConditionContext context, out Truth truth)
    {
        truth = Truth.True;
        if (name is "*" or "?" or "$")
        {
            return name;
        }

        string? fallback = null;
        var comma = name.IndexOf(',', StringComparison.Ordinal);
        if (comma >= 0)
        {
            var value = name[(comma + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
            {
                fallback = value[1..^1];
            }

            name = name[..comma].Trim();
        }

        if (!context.IsKnown(name) || ConditionContext.IsMultiValued(name))
        {
            truth = Truth.Unknown;
            return null;
        }

        if (context.TryGet(name, out var values) && values.Length == 1)
        {
            return values[0];
        }

        if (fallback is null)
        {
            truth = Truth.False;
        }

        return fallback;
    }

    /// <summary>Whether <paramref name="text"/> matches the whole pattern.</summary>
    public bool Match(string text, bool ignoreCase, bool arn)
    {
        if (Truth != Truth.True)
        {
            return false;
        }

        // memo[p, t]: 0 unknown, 1 match, 2 no match, for tokens[p..] against text[t..].
        var memo = new byte[tokens.Count + 1, text.Length + 1];
        return MatchFrom(0, 0, text, ignoreCase, arn, memo);
    }

    private bool MatchFrom(int p, int t, string text, bool ignoreCase, bool arn, byte[,] memo)
    {
        if (memo[p, t] != 0)
        {
            return memo[p, t] == 1;
        }

        bool result;
        if (p == tokens.Count)
        {
            result = t == text.Length;
        }
        else
        {
            var (kind, c) = tokens[p];
            switch (kind)
            {
                case Kind.Star:
                    // A star that ends an ARN segment (or the pattern) may run past colons; any other stays in its segment.
                    var crossesColons = !arn || p + 1 == tokens.Count || tokens[p + 1] is (Kind.Literal, ':');
                    result = MatchFrom(p + 1, t, text, ignoreCase, arn, memo)
                        || (t < text.Length && (crossesColons || text[t] != ':') && MatchFrom(p, t + 1, text, ignoreCase, arn, memo));
                    break;
                case Kind.Question:
                    result = t < text.Length && (!arn || text[t] != ':') && MatchFrom(p + 1, t + 1, text, ignoreCase, arn, memo);
                    break;
                default:
                    result = t < text.Length
                        && (ignoreCase ? char.ToUpperInvariant(text[t]) == char.ToUpperInvariant(c) : text[t] == c)
                        && MatchFrom(p + 1, t + 1, text, ignoreCase, arn, memo);
                    break;
            }
        }

        memo[p, t] = result ? (byte)1 : (byte)2;
        return result;
    }
}
