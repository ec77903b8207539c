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

/// <summary>What one request is authorised as: the action (service:Action), the resource ARN it acts on ("*" for actions without a resource type) and its condition keys.</summary>
internal sealed record AuthorizationRequest(string Action, string Resource, ConditionContext Context);

/// <summary>
/// An identity-policy evaluator as the IAM User Guide's policy evaluation logic describes it, for one policy type at a
/// time: a statement applies when its Action/NotAction (* and ? wildcards, case-insensitive), its Resource/NotResource
/// (ARN wildcards and policy variables, case-sensitive) and all its conditions (<see cref="PolicyConditions"/>) match.
/// An explicit Deny wins, else an Allow allows, else the request is implicitly denied. A condition LocalAws cannot
/// decide (a key or operator it does not model) never lets an Allow grant, and lets a Deny apply: never kinder than AWS.
/// </summary>
internal static class PolicyEvaluator
{
    private sealed record Statement(bool Allow, string[] Actions, bool NotAction, string[] Resources, bool NotResource, (string Op, string Key, string[] Values)[] Conditions);

    private static readonly ConcurrentDictionary<string, Statement[]> Cache = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    public static Decision Evaluate(IEnumerable<string> documents, AuthorizationRequest request)
    {
        var allowed = false;
        foreach (var doc in documents)
        {
            foreach (var st in Parse(doc))
            {
                if (!ActionMatches(st, request.Action))
                {
                    continue;
                }

                var applies = And(ResourceMatches(st, request), PolicyConditions.All(st.Conditions, request.Context));
                if (!st.Allow && applies != Truth.False)
                {
                    return Decision.ExplicitDeny;
                }

                allowed |= st.Allow && applies == Truth.True;
            }
        }

        return allowed ? Decision.Allow : Decision.ImplicitDeny;
    }

    private static Truth And(Truth a, Truth b) =>
        a == Truth.False || b == Truth.False ? Truth.False : a == Truth.Unknown || b == Truth.Unknown ? Truth.Unknown : Truth.True;

    private static bool ActionMatches(Statement st, string action)
    {
        var any = st.Actions.Any(p => Wildcard(p).IsMatch(action));
        return st.NotAction ? !any : any;
    }

    private static Truth ResourceMatches(Statement st, AuthorizationRequest request)
    {
        var any = Truth.False;
        foreach (var element in st.Resources)
        {
            if (element == "*")
            {
                any = Truth.True;
                break;
            }

            var pattern = PolicyPattern.Parse(element, request.Context, wildcards: true);
            if (pattern.Truth == Truth.Unknown)
            {
                any = Truth.Unknown;
            }
            else if (pattern.Match(request.Resource, ignoreCase: false, arn: true))
            {
                any = Truth.True;
                break;
            }
        }

        return !st.NotResource ? any : any switch
        {
            Truth.True => Truth.False,
            Truth.False => Truth.True,
            _ => Truth.Unknown,
        };
    }

    private static Regex Wildcard(string pattern) => Patterns.GetOrAdd(pattern, p =>
        new Regex("^" + Regex.Escape(p).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));

    /// <summary>An action pattern (* and ? wildcards, case-insensitive) against a service:Action name.</summary>
    internal static bool ActionMatch(string pattern, string action) => Wildcard(pattern).IsMatch(action);

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

                var notResource = !s.TryGetProperty("Resource", out var resources) && s.TryGetProperty("NotResource", out resources);
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

                list.Add(new Statement(allow, Strings(actions), notAction,
                    resources.ValueKind == JsonValueKind.Undefined ? [] : Strings(resources), notResource, [.. conditions]));
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
