using System.Globalization;

namespace LocalAws;

/// <summary>
/// Identity-based authorization of one request's principal on one resource (<see cref="Demand"/>), each policy type
/// evaluated by <see cref="PolicyEvaluator"/>: an IAM user (long-term key, or GetSessionToken credentials) by its own,
/// its groups' and its boundary's policies (the root identity included: AdministratorAccess, or the policy given with
/// --root-policy); an assumed role by the role's policies and boundary, intersected with the session policies; a
/// federated user by its IAM user's policies intersected with the session policies (none given: it may do nothing).
/// </summary>
internal static class Access
{
    /// <summary>Why a request is refused, in AWS's words; null when it is allowed.</summary>
    public static string? Refusal(IamContext c, Demand demand, bool onlyExplicitDeny = false)
    {
        var permission = demand.Permission;
        var docs = new List<string>();
        var boundary = new List<string>();
        List<string>? sessionDocs = null;
        var keys = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        Authorization.AddRequestKeys(c, keys);
        lock (c.State.Gate)
        {
            var session = c.Session;
            var role = session?.Kind == SessionKind.AssumedRole ? session.Role : null;
            var user = session?.Kind == SessionKind.AssumedRole ? null : session?.User ?? c.Caller;
            AddPrincipalKeys(c, keys);
            if (role is not null)
            {
                // A deleted role's sessions keep their ARN but no longer have any permissions.
                if (!role.Deleted)
                {
                    AddPolicies(c.State, docs, role.InlinePolicies.Values, role.AttachedPolicies);
                    AddBoundary(c.State, boundary, role.Boundary);
                }
            }
            else if (user is not null)
            {
                AddPolicies(c.State, docs, user.InlinePolicies.Values, user.AttachedPolicies);
                foreach (var g in user.Groups)
                {
                    AddPolicies(c.State, docs, g.InlinePolicies.Values, g.AttachedPolicies);
                }

                AddBoundary(c.State, boundary, user.Boundary);
            }

            if (session is not null && (session.HasSessionPolicies || session.Kind == SessionKind.FederatedUser))
            {
                sessionDocs = [];
                if (session.Policy is not null)
                {
                    sessionDocs.Add(session.Policy);
                }

                AddPolicies(c.State, sessionDocs, [], session.PolicyArns);
            }
        }

        var request = new AuthorizationRequest(permission, demand.Resource, new ConditionContext(keys, Authorization.IsKnownKey));
        var head = $"User: {c.CallerArn} is not authorized to perform: {permission} on resource: {demand.Shown}";
        var identity = PolicyEvaluator.Evaluate(docs, request);
        var sessionDecision = sessionDocs is null ? Decision.Allow : PolicyEvaluator.Evaluate(sessionDocs, request);
        var boundaryDecision = boundary.Count == 0 ? Decision.Allow : PolicyEvaluator.Evaluate(boundary, request);
        if (identity == Decision.ExplicitDeny)
        {
            return head + " with an explicit deny in an identity-based policy";
        }

        if (sessionDecision == Decision.ExplicitDeny)
        {
            return head + " with an explicit deny in a session policy";
        }

        if (boundaryDecision == Decision.ExplicitDeny)
        {
            return head + " with an explicit deny in a permissions boundary";
        }

        if (onlyExplicitDeny)
        {
            return null;
        }

        if (identity != Decision.Allow)
        {
            return head + $" because no identity-based policy allows the {permission} action";
        }

        if (boundaryDecision != Decision.Allow)
        {
            return head + $" because no permissions boundary allows the {permission} action";
        }

        if (sessionDecision != Decision.Allow)
        {
            return head + $" because no session policy allows the {permission} action";
        }

        return null;
    }

    public static void Require(IamContext c, Demand demand, bool onlyExplicitDeny = false)
    {
        if (Refusal(c, demand, onlyExplicitDeny) is { } message)
        {
            throw new AwsError(403, "AccessDenied", message);
        }
    }

    /// <summary>The global condition keys of the principal: who it is, its tags, and for temporary credentials MFA and issue time. Holds the state lock.</summary>
    private static void AddPrincipalKeys(IamContext c, Dictionary<string, string[]> keys)
    {
        var now = c.Now;
        keys["aws:CurrentTime"] = [ConditionContext.Time(now)];
        keys["aws:EpochTime"] = [new DateTimeOffset(now).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)];
        keys["aws:PrincipalAccount"] = [c.Account];
        keys["aws:userid"] = [c.CallerUserId];
        var session = c.Session;
        IEnumerable<KeyValuePair<string, string>> tags = [];
        switch (session?.Kind)
        {
            case SessionKind.AssumedRole:
                keys["aws:PrincipalArn"] = [$"arn:aws:iam::{c.Account}:role{session.RolePath}{session.RoleName}"];
                keys["aws:PrincipalType"] = ["AssumedRole"];
                tags = [.. session.Role?.Tags ?? [], .. session.Tags];
                break;
            case SessionKind.FederatedUser:
                keys["aws:PrincipalArn"] = [session.Arn(c.Account)];
                keys["aws:PrincipalType"] = ["FederatedUser"];
                tags = session.Tags;
                break;
            default:
                var user = session?.User ?? c.Caller!;
                keys["aws:PrincipalArn"] = [user.Arn(c.Account)];
                keys["aws:PrincipalType"] = ["User"];
                keys["aws:username"] = [user.Name];
                tags = user.Tags;
                break;
        }

        // Later tags win: a session tag overrides the role's tag of the same key.
        foreach (var (k, v) in tags)
        {
            keys["aws:PrincipalTag/" + k] = [v];
        }

        if (session is not null)
        {
            keys["aws:MultiFactorAuthPresent"] = [session.Mfa ? "true" : "false"];
            keys["aws:TokenIssueTime"] = [ConditionContext.Time(session.Issued)];
        }
    }

    private static void AddPolicies(IamState state, List<string> docs, IEnumerable<string> inline, IEnumerable<string> attached)
    {
        docs.AddRange(inline);
        docs.AddRange(attached.Select(a => state.PoliciesByArn.TryGetValue(a, out var p) ? p.Document : null).OfType<string>());
    }

    private static void AddBoundary(IamState state, List<string> boundary, string? arn)
    {
        if (arn is not null && state.PoliciesByArn.TryGetValue(arn, out var b))
        {
            boundary.Add(b.Document);
        }
    }
}
