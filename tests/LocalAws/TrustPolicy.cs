using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LocalAws;

/// <summary>How a role's trust policy answers one principal asking for one sts action.</summary>
internal enum TrustDecision
{
    /// <summary>No statement allows it.</summary>
    NotAllowed,

    /// <summary>Allowed by a statement naming the caller itself (its user, role or session ARN, or "*"): enough on its own.</summary>
    AllowedPrincipal,

    /// <summary>Allowed only through the account ("123456789012" or "arn:aws:iam::123456789012:root"): the caller's identity policy must allow it too.</summary>
    AllowedAccount,

    ExplicitDeny,
}

/// <summary>The principal asking, as a trust policy sees it.</summary>
internal sealed record TrustCaller(string Account, IReadOnlyList<string> Arns, IReadOnlyDictionary<string, string> Context);

/// <summary>
/// A deliberately small role trust policy (AssumeRolePolicyDocument) checker and evaluator: Effect, Principal
/// ("*" or {"AWS": account id | account root ARN | user/role/assumed-role ARN}), Action/NotAction with wildcards,
/// and the String*/Bool/Date* condition operators (with IfExists) on the keys STS sets, such as sts:ExternalId,
/// sts:RoleSessionName, aws:PrincipalArn and aws:MultiFactorAuthPresent. A statement with any other principal type,
/// operator or condition shape does not apply (a Deny included).
/// </summary>
internal static class TrustPolicy
{
    private sealed record Statement(bool Allow, string[] Actions, bool NotAction, string[]? AwsPrincipals, bool AnyPrincipal, (string Op, string Key, string[] Values)[] Conditions);

    private static readonly ConcurrentDictionary<string, Statement[]> Cache = new(StringComparer.Ordinal);

    private static readonly HashSet<string> StatementKeys = new(StringComparer.Ordinal)
    {
        "Sid", "Effect", "Action", "NotAction", "Principal", "NotPrincipal", "Condition", "Resource", "NotResource",
    };

    private static readonly HashSet<string> PrincipalTypes = new(StringComparer.Ordinal) { "AWS", "Service", "Federated", "CanonicalUser" };

    private static readonly Regex StsAction = new(@"^(\*|sts:[A-Za-z*?]*)$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    private static readonly Regex AwsPrincipal = new(
        @"^(\*|\d{12}|arn:aws:iam::(\d{12}):(root|user/.+|role/.+)|arn:aws:sts::(\d{12}):(assumed-role/[^/]+/.+|federated-user/.+))$",
        RegexOptions.CultureInvariant);

    /// <summary>
    /// Checks a trust policy the way IAM does for CreateRole/UpdateAssumeRolePolicy (MalformedPolicyDocument), including
    /// that a user or role named in this account exists.
    /// </summary>
    public static void Validate(string document, IamState state)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(document);
        }
        catch (JsonException)
        {
            throw AwsError.Malformed("This policy contains invalid Json");
        }

        using (json)
        {
            foreach (var s in PolicyEvaluator.StatementsOf(json.RootElement))
            {
                ValidateStatement(s, state);
            }
        }
    }

    private static void ValidateStatement(JsonElement s, IamState state)
    {
        if (s.ValueKind != JsonValueKind.Object || s.EnumerateObject().Any(p => !StatementKeys.Contains(p.Name)))
        {
            throw AwsError.Malformed("Syntax errors in policy.");
        }

        if (s.TryGetProperty("Resource", out _))
        {
            throw AwsError.Malformed("Has prohibited field Resource");
        }

        if (s.TryGetProperty("NotResource", out _))
        {
            throw AwsError.Malformed("Has prohibited field NotResource");
        }

        if (!s.TryGetProperty("Effect", out var effect) || effect.ValueKind != JsonValueKind.String || effect.GetString() is not ("Allow" or "Deny"))
        {
            throw AwsError.Malformed("Syntax errors in policy.");
        }

        var hasPrincipal = s.TryGetProperty("Principal", out var principal);
        var hasNotPrincipal = s.TryGetProperty("NotPrincipal", out var notPrincipal);
        if (!hasPrincipal && !hasNotPrincipal)
        {
            throw AwsError.Malformed("Missing required field Principal");
        }

        ValidatePrincipal(hasPrincipal ? principal : notPrincipal, state);

        var hasAction = s.TryGetProperty("Action", out var action);
        var hasNotAction = s.TryGetProperty("NotAction", out var notAction);
        if (!hasAction && !hasNotAction)
        {
            throw AwsError.Malformed("Missing required field Action");
        }

        if (hasAction && hasNotAction)
        {
            throw AwsError.Malformed("Syntax errors in policy.");
        }

        foreach (var a in Strings(hasAction ? action : notAction) ?? throw AwsError.Malformed("Syntax errors in policy."))
        {
            if (!StsAction.IsMatch(a))
            {
                throw AwsError.Malformed("AssumeRole policy may only specify STS AssumeRole actions.");
            }
        }

        if (s.TryGetProperty("Condition", out var condition))
        {
            if (condition.ValueKind != JsonValueKind.Object || condition.EnumerateObject().Any(op => op.Value.ValueKind != JsonValueKind.Object
                || op.Value.EnumerateObject().Any(k => k.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Null)))
            {
                throw AwsError.Malformed("Syntax errors in policy.");
            }
        }
    }

    private static void ValidatePrincipal(JsonElement principal, IamState state)
    {
        if (principal.ValueKind == JsonValueKind.String)
        {
            if (principal.GetString() != "*")
            {
                throw AwsError.Malformed("Invalid principal in policy: " + principal.GetRawText());
            }

            return;
        }

        if (principal.ValueKind != JsonValueKind.Object || !principal.EnumerateObject().Any())
        {
            throw AwsError.Malformed("Invalid principal in policy");
        }

        foreach (var type in principal.EnumerateObject())
        {
            if (!PrincipalTypes.Contains(type.Name))
            {
                throw AwsError.Malformed($"Invalid principal in policy: \"{type.Name}\"");
            }

            var values = Strings(type.Value) ?? throw AwsError.Malformed("Invalid principal in policy");
            if (type.Name != "AWS")
            {
                continue;
            }

            foreach (var v in values)
            {
                var invalid = AwsError.Malformed($"Invalid principal in policy: \"AWS\":\"{v}\"");
                var m = AwsPrincipal.Match(v);
                if (!m.Success)
                {
                    throw invalid;
                }

                // IAM resolves a user or role of this account when the policy is saved, so one that does not exist is refused.
                if (m.Groups[2].Value == state.AccountId && m.Groups[3].Value is { Length: > 0 } resource && resource != "root")
                {
                    var name = resource[(resource.LastIndexOf('/') + 1)..];
                    var exists = resource.StartsWith("user/", StringComparison.Ordinal)
                        ? state.UsersByName.TryGetValue(name, out var u) && string.Equals(u.Arn(state.AccountId), v, StringComparison.OrdinalIgnoreCase)
                        : state.RolesByName.TryGetValue(name, out var r) && string.Equals(r.Arn(state.AccountId), v, StringComparison.OrdinalIgnoreCase);
                    if (!exists)
                    {
                        throw invalid;
                    }
                }
            }
        }
    }

    /// <summary>How the trust policy answers <paramref name="caller"/> asking for <paramref name="action"/> (such as sts:AssumeRole).</summary>
    public static TrustDecision Evaluate(string document, string action, TrustCaller caller, DateTime now)
    {
        var result = TrustDecision.NotAllowed;
        foreach (var st in Parse(document))
        {
            var any = st.Actions.Any(p => PolicyEvaluator.ActionMatch(p, action));
            if ((st.NotAction ? any : !any) || !ConditionsHold(st, caller.Context, now))
            {
                continue;
            }

            var match = PrincipalMatch(st, caller);
            if (match == TrustDecision.NotAllowed)
            {
                continue;
            }

            if (!st.Allow)
            {
                return TrustDecision.ExplicitDeny;
            }

            if (result != TrustDecision.AllowedPrincipal)
            {
                result = match;
            }
        }

        return result;
    }

    private static TrustDecision PrincipalMatch(Statement st, TrustCaller caller)
    {
        if (st.AnyPrincipal)
        {
            return TrustDecision.AllowedPrincipal;
        }

        if (st.AwsPrincipals is null)
        {
            return TrustDecision.NotAllowed;
        }

        var result = TrustDecision.NotAllowed;
        foreach (var p in st.AwsPrincipals)
        {
            if (p == "*" || caller.Arns.Contains(p, StringComparer.OrdinalIgnoreCase))
            {
                return TrustDecision.AllowedPrincipal;
            }

            if (p == caller.Account || p == $"arn:aws:iam::{caller.Account}:root")
            {
                result = TrustDecision.AllowedAccount;
            }
        }

        return result;
    }

    /// <summary>The statement's conditions on the keys STS sets; one LocalAws cannot decide makes the statement not apply (a Deny included).</summary>
    private static bool ConditionsHold(Statement st, IReadOnlyDictionary<string, string> context, DateTime now)
    {
        var values = context.ToDictionary(kv => kv.Key, kv => new[] { kv.Value }, StringComparer.OrdinalIgnoreCase);
        values["aws:CurrentTime"] = [ConditionContext.Time(now)];
        return PolicyConditions.All(st.Conditions, new ConditionContext(values, _ => true)) == Truth.True;
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
                if (s.TryGetProperty("NotPrincipal", out _))
                {
                    continue;
                }

                var allow = string.Equals(s.GetProperty("Effect").GetString(), "Allow", StringComparison.Ordinal);
                var notAction = !s.TryGetProperty("Action", out var actions);
                if (notAction)
                {
                    actions = s.GetProperty("NotAction");
                }

                var principal = s.GetProperty("Principal");
                var anyPrincipal = principal.ValueKind == JsonValueKind.String && principal.GetString() == "*";
                string[]? aws = principal.ValueKind == JsonValueKind.Object && principal.TryGetProperty("AWS", out var a) ? Strings(a)?.ToArray() : null;

                var conditions = new List<(string, string, string[])>();
                if (s.TryGetProperty("Condition", out var cond))
                {
                    foreach (var op in cond.EnumerateObject())
                    {
                        foreach (var key in op.Value.EnumerateObject())
                        {
                            conditions.Add((op.Name, key.Name, Strings(key.Value)?.ToArray() ?? [key.Value.GetRawText()]));
                        }
                    }
                }

                list.Add(new Statement(allow, Strings(actions)?.ToArray() ?? [], notAction, aws, anyPrincipal, [.. conditions]));
            }

            return [.. list];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return [];
        }
    });

    /// <summary>A string, or a non-empty array of scalars, as strings (booleans and numbers as their JSON text); otherwise null.</summary>
    private static List<string>? Strings(JsonElement e)
    {
        static string? Scalar(JsonElement x) => x.ValueKind switch
        {
            JsonValueKind.String => x.GetString(),
            JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number => x.GetRawText(),
            _ => null,
        };

        if (e.ValueKind == JsonValueKind.Array)
        {
            var list = e.EnumerateArray().Select(Scalar).ToList();
            return list.Count > 0 && list.All(x => x is not null) ? [.. list.OfType<string>()] : null;
        }

        return Scalar(e) is { } one ? [one] : null;
    }
}
