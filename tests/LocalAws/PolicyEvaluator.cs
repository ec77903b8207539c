using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LocalAws;

internal enum Decision
{
    ImplicitDeny,
    Allow,
    ExplicitDeny,
}

/// <summary>
/// A deliberately small identity-policy evaluator: Effect, Action/NotAction (with * and ? wildcards,
/// case-insensitive), Resource treated as "*", and the Date* condition operators on aws:CurrentTime.
/// A condition on any other key or with any other operator makes its statement not apply.
/// </summary>
internal static class PolicyEvaluator
{
    private sealed record Statement(bool Allow, string[] Actions, bool NotAction, (string Op, string Key, string[] Values)[] Conditions);

    private static readonly ConcurrentDictionary<string, Statement[]> Cache = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    public static Decision Evaluate(IEnumerable<string> documents, string action, DateTime now)
    {
        var allowed = false;
        foreach (var doc in documents)
        {
            foreach (var st in Parse(doc))
            {
                if (!ActionMatches(st, action) || !ConditionsHold(st, now))
                {
                    continue;
                }

                if (!st.Allow)
                {
                    return Decision.ExplicitDeny;
                }

                allowed = true;
            }
        }

        return allowed ? Decision.Allow : Decision.ImplicitDeny;
    }

    private static bool ActionMatches(Statement st, string action)
    {
        var any = st.Actions.Any(p => Wildcard(p).IsMatch(action));
        return st.NotAction ? !any : any;
    }

    private static Regex Wildcard(string pattern) => Patterns.GetOrAdd(pattern, p =>
        new Regex("^" + Regex.Escape(p).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));

    private static readonly ConcurrentDictionary<string, Regex> CaseSensitivePatterns = new(StringComparer.Ordinal);

    /// <summary>* and ? wildcard match, as for actions (case-insensitive) or StringLike conditions (case-sensitive).</summary>
    internal static bool WildcardMatch(string pattern, string value, bool ignoreCase = true) =>
        (ignoreCase
            ? Wildcard(pattern)
            : CaseSensitivePatterns.GetOrAdd(pattern, p => new Regex(
                "^" + Regex.Escape(p).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
                RegexOptions.CultureInvariant | RegexOptions.Singleline))).IsMatch(value);

    private static bool ConditionsHold(Statement st, DateTime now)
    {
        foreach (var (op, key, values) in st.Conditions)
        {
            if (!string.Equals(key, "aws:CurrentTime", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            var holds = false;
            foreach (var v in values)
            {
                if (!TryParseDate(v, out var t))
                {
                    continue;
                }

                holds |= op.ToLowerInvariant() switch
                {
                    "dategreaterthan" => now > t,
                    "dategreaterthanequals" => now >= t,
                    "datelessthan" => now < t,
                    "datelessthanequals" => now <= t,
                    "dateequals" => now == t,
                    "datenotequals" => now != t,
                    _ => false,
                };
            }

            if (!holds)
            {
                return false;
            }
        }

        return true;
    }

    internal static bool TryParseDate(string text, out DateTime utc)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto))
        {
            utc = dto.UtcDateTime;
            return true;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
        {
            utc = DateTimeOffset.FromUnixTimeSeconds(epoch).UtcDateTime;
            return true;
        }

        utc = default;
        return false;
    }

    private static Statement[] Parse(string doc) => Cache.GetOrAdd(doc, d =>
    {
        try
        {
            using var json = JsonDocument.Parse(d);
            var st = json.RootElement.GetProperty("Statement");
            var list = new List<Statement>();
            foreach (var s in st.ValueKind == JsonValueKind.Array ? st.EnumerateArray().ToArray() : [st])
            {
                var allow = string.Equals(s.GetProperty("Effect").GetString(), "Allow", StringComparison.Ordinal);
                var notAction = !s.TryGetProperty("Action", out var actions);
                if (notAction)
                {
                    actions = s.GetProperty("NotAction");
                }

                var conditions = new List<(string, string, string[])>();
                if (s.TryGetProperty("Condition", out var cond))
                {
                    foreach (var op in cond.EnumerateObject())
                    {
                        foreach (var key in op.Value.EnumerateObject())
                        {
                            conditions.Add((op.Name, key.Name, Strings(key.Value)));
                        }
                    }
                }

                list.Add(new Statement(allow, Strings(actions), notAction, [.. conditions]));
            }

            return [.. list];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return [];
        }
    });

    private static string[] Strings(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => [.. e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText())],
        JsonValueKind.String => [e.GetString()!],
        _ => [e.GetRawText()],
    };

    private static readonly HashSet<string> StatementKeys = new(StringComparer.Ordinal)
    {
        "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Principal", "NotPrincipal",
    };

    private static readonly Regex ActionPattern = new(@"^(\*|[A-Za-z0-9_.*?-]+:[A-Za-z0-9_*?-]*)$", RegexOptions.CultureInvariant);

    /// <summary>Checks an identity-based policy document the way IAM does for PutUserPolicy/CreatePolicy, throwing MalformedPolicyDocument.</summary>
    public static void Validate(string document)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(document, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException)
        {
            throw AwsError.Malformed("This policy contains invalid Json");
        }

        using (json)
        {
            foreach (var s in StatementsOf(json.RootElement))
            {
                ValidateStatement(s);
            }
        }
    }

    /// <summary>
    /// A policy document's envelope, as IAM checks it for identity and trust policies alike: an object of
    /// Version/Id/Statement, a known Version, and Statement as one object or a list. Returns the statements.
    /// </summary>
    internal static JsonElement[] StatementsOf(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || root.EnumerateObject().Any(p => p.Name is not ("Version" or "Id" or "Statement")))
        {
            throw AwsError.Malformed("Syntax errors in policy.");
        }

        if (root.TryGetProperty("Version", out var version)
            && (version.ValueKind != JsonValueKind.String || version.GetString() is not ("2012-10-17" or "2008-10-17")))
        {
            throw AwsError.Malformed("The policy failed legacy parsing");
        }

        if (!root.TryGetProperty("Statement", out var statement))
        {
            throw AwsError.Malformed("Syntax errors in policy.");
        }

        return statement.ValueKind switch
        {
            JsonValueKind.Object => [statement],
            JsonValueKind.Array => [.. statement.EnumerateArray()],
            _ => throw AwsError.Malformed("Syntax errors in policy."),
        };
    }

    private static void ValidateStatement(JsonElement s)
    {
        if (s.ValueKind != JsonValueKind.Object)
        {
            throw AwsError.Malformed("Syntax errors in policy.");
        }

        foreach (var p in s.EnumerateObject())
        {
            if (!StatementKeys.Contains(p.Name))
            {
                throw AwsError.Malformed("Syntax errors in policy.");
            }
        }

        if (s.TryGetProperty("Principal", out _) || s.TryGetProperty("NotPrincipal", out _))
        {
            throw AwsError.Malformed("Policy document should not specify a principal.");
        }

        if (!s.TryGetProperty("Effect", out var effect) || effect.ValueKind != JsonValueKind.String || effect.GetString() is not ("Allow" or "Deny"))
        {
            throw AwsError.Malformed("Syntax errors in policy.");
        }

        var hasAction = s.TryGetProperty("Action", out var action);
        var hasNotAction = s.TryGetProperty("NotAction", out var notAction);
        if (hasAction == hasNotAction)
        {
            throw AwsError.Malformed(hasAction ? "Syntax errors in policy." : "Policy statement must contain actions.");
        }

        foreach (var a in StringList(hasAction ? action : notAction))
        {
            if (!ActionPattern.IsMatch(a))
            {
                throw AwsError.Malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
            }
        }

        var hasResource = s.TryGetProperty("Resource", out var resource);
        var hasNotResource = s.TryGetProperty("NotResource", out var notResource);
        if (hasResource == hasNotResource)
        {
            throw AwsError.Malformed(hasResource ? "Syntax errors in policy." : "Policy statement must contain resources.");
        }

        StringList(hasResource ? resource : notResource);

        if (s.TryGetProperty("Condition", out var condition))
        {
            if (condition.ValueKind != JsonValueKind.Object)
            {
                throw AwsError.Malformed("Syntax errors in policy.");
            }

            foreach (var op in condition.EnumerateObject())
            {
                if (op.Value.ValueKind != JsonValueKind.Object)
                {
                    throw AwsError.Malformed("Syntax errors in policy.");
                }

                foreach (var key in op.Value.EnumerateObject())
                {
                    if (key.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Null)
                    {
                        throw AwsError.Malformed("Syntax errors in policy.");
                    }
                }
            }
        }
    }

    private static List<string> StringList(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.String)
        {
            return [e.GetString()!];
        }

        if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0 && e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String))
        {
            return [.. e.EnumerateArray().Select(x => x.GetString()!)];
        }

        throw AwsError.Malformed("Syntax errors in policy.");
    }

    /// <summary>Size IAM counts against its policy quotas: the document without whitespace.</summary>
    public static int QuotaSize(string document) => document.Count(c => !char.IsWhiteSpace(c));
}
