namespace LocalAws;

/// <summary>
/// Identity-based authorization of one request's principal, kept as small as <see cref="PolicyEvaluator"/>:
/// an IAM user (long-term key, or GetSessionToken credentials) by its own, its groups' and its boundary's policies
/// (the root identity may do everything); an assumed role by the role's policies and boundary, intersected with
/// the session policies; a federated user by its IAM user's policies intersected with the session policies
/// (none given: it may do nothing).
/// </summary>
internal static class Access
{
    /// <summary>Why a request is refused, in AWS's words; null when it is allowed.</summary>
    public static string? Refusal(IamContext c, string permission, bool onlyExplicitDeny = false)
    {
        bool unrestricted;
        var docs = new List<string>();
        var boundary = new List<string>();
        List<string>? sessionDocs = null;
        lock (c.State.Gate)
        {
            var session = c.Session;
            var role = session?.Kind == SessionKind.AssumedRole ? session.Role : null;
            var user = session?.Kind == SessionKind.AssumedRole ? null : session?.User ?? c.Caller;
            unrestricted = user?.Name == IamState.RootUserName;
            if (role is not null)
            {
                // A deleted role's sessions keep their ARN but no longer have any permissions.
                if (!role.Deleted)
                {
                    AddPolicies(c.State, docs, role.InlinePolicies.Values, role.AttachedPolicies);
                    AddBoundary(c.State, boundary, role.Boundary);
                }
            }
            else if (user is not null && !unrestricted)
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

        var who = c.CallerArn;
        var resource = c.ResourceArn();
        var head = $"User: {who} is not authorized to perform: {permission} on resource: {resource}";
        var identity = unrestricted ? Decision.Allow : PolicyEvaluator.Evaluate(docs, permission, c.Now);
        var sessionDecision = sessionDocs is null ? Decision.Allow : PolicyEvaluator.Evaluate(sessionDocs, permission, c.Now);
        var boundaryDecision = boundary.Count == 0 ? Decision.Allow : PolicyEvaluator.Evaluate(boundary, permission, c.Now);
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

    public static void Demand(IamContext c, string permission, bool onlyExplicitDeny = false)
    {
        if (Refusal(c, permission, onlyExplicitDeny) is { } message)
        {
            throw new AwsError(403, "AccessDenied", message);
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
