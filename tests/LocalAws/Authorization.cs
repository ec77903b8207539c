using System.Globalization;

namespace LocalAws;

/// <summary>One permission a request needs: the action, the resource it is evaluated on, and the resource AccessDenied names.</summary>
internal sealed record Demand(string Permission, string Resource, string Shown);

/// <summary>
/// What each IAM and STS request is authorised against, as the Service Authorization Reference lists it per action:
/// the ARN of its required resource type (the user, group, role, policy or MFA device it names, with the path it has,
/// or, when it creates one, the path the request gives; the caller when an action on a user names none), or "*" for
/// the List actions that have no resource type. And the condition keys LocalAws models for a request.
/// </summary>
internal static class Authorization
{
    private enum Target
    {
        User,
        Group,
        Role,
        Policy,
        Mfa,
        AccessKeyOwner,
        NoResourceType,
    }

    private static readonly Dictionary<string, Target> Targets = new(StringComparer.Ordinal)
    {
        ["CreateUser"] = Target.User,
        ["GetUser"] = Target.User,
        ["DeleteUser"] = Target.User,
        ["TagUser"] = Target.User,
        ["UntagUser"] = Target.User,
        ["ListUserTags"] = Target.User,
        ["AttachUserPolicy"] = Target.User,
        ["DetachUserPolicy"] = Target.User,
        ["ListAttachedUserPolicies"] = Target.User,
        ["PutUserPolicy"] = Target.User,
        ["GetUserPolicy"] = Target.User,
        ["DeleteUserPolicy"] = Target.User,
        ["ListUserPolicies"] = Target.User,
        ["ListGroupsForUser"] = Target.User,
        ["CreateAccessKey"] = Target.User,
        ["ListAccessKeys"] = Target.User,
        ["UpdateAccessKey"] = Target.User,
        ["DeleteAccessKey"] = Target.User,
        ["GetAccessKeyLastUsed"] = Target.AccessKeyOwner,
        ["CreateLoginProfile"] = Target.User,
        ["GetLoginProfile"] = Target.User,
        ["DeleteLoginProfile"] = Target.User,
        ["EnableMFADevice"] = Target.User,
        ["ListMFADevices"] = Target.User,
        ["DeactivateMFADevice"] = Target.User,
        ["UploadSSHPublicKey"] = Target.User,
        ["ListSSHPublicKeys"] = Target.User,
        ["DeleteSSHPublicKey"] = Target.User,
        ["UploadSigningCertificate"] = Target.User,
        ["ListSigningCertificates"] = Target.User,
        ["DeleteSigningCertificate"] = Target.User,
        ["CreateServiceSpecificCredential"] = Target.User,
        ["ListServiceSpecificCredentials"] = Target.User,
        ["DeleteServiceSpecificCredential"] = Target.User,

        // Group membership is authorised on the group, not on the user (AddUserToGroup, RemoveUserFromGroup: group*).
        ["CreateGroup"] = Target.Group,
        ["GetGroup"] = Target.Group,
        ["DeleteGroup"] = Target.Group,
        ["AddUserToGroup"] = Target.Group,
        ["RemoveUserFromGroup"] = Target.Group,
        ["AttachGroupPolicy"] = Target.Group,
        ["DetachGroupPolicy"] = Target.Group,
        ["ListAttachedGroupPolicies"] = Target.Group,
        ["PutGroupPolicy"] = Target.Group,
        ["GetGroupPolicy"] = Target.Group,
        ["DeleteGroupPolicy"] = Target.Group,
        ["ListGroupPolicies"] = Target.Group,

        ["CreateRole"] = Target.Role,
        ["GetRole"] = Target.Role,
        ["UpdateRole"] = Target.Role,
        ["UpdateAssumeRolePolicy"] = Target.Role,
        ["DeleteRole"] = Target.Role,
        ["AttachRolePolicy"] = Target.Role,
        ["DetachRolePolicy"] = Target.Role,
        ["ListAttachedRolePolicies"] = Target.Role,
        ["PutRolePolicy"] = Target.Role,
        ["GetRolePolicy"] = Target.Role,
        ["DeleteRolePolicy"] = Target.Role,
        ["ListRolePolicies"] = Target.Role,

        ["CreatePolicy"] = Target.Policy,
        ["GetPolicy"] = Target.Policy,
        ["GetPolicyVersion"] = Target.Policy,
        ["DeletePolicy"] = Target.Policy,

        ["CreateVirtualMFADevice"] = Target.Mfa,
        ["DeleteVirtualMFADevice"] = Target.Mfa,

        ["ListUsers"] = Target.NoResourceType,
        ["ListGroups"] = Target.NoResourceType,
        ["ListRoles"] = Target.NoResourceType,
        ["ListPolicies"] = Target.NoResourceType,
    };

    /// <summary>Actions whose iam:PermissionsBoundary key is the boundary of the user or role they act on.</summary>
    private static readonly HashSet<string> BoundaryOfTarget = new(StringComparer.Ordinal)
    {
        "AttachUserPolicy", "DetachUserPolicy", "PutUserPolicy", "DeleteUserPolicy",
        "AttachRolePolicy", "DetachRolePolicy", "PutRolePolicy", "DeleteRolePolicy",
    };

    private static readonly HashSet<string> KnownKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "aws:CurrentTime", "aws:EpochTime", "aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalType", "aws:username", "aws:userid",
        "aws:MultiFactorAuthPresent", "aws:TokenIssueTime", "aws:TagKeys", "iam:PolicyARN", "iam:PermissionsBoundary",
    };

    private static readonly string[] KnownKeyPrefixes = ["aws:RequestTag/", "aws:PrincipalTag/", "aws:ResourceTag/", "iam:ResourceTag/"];

    /// <summary>Whether LocalAws sets this condition key whenever AWS would (otherwise a condition on it is undecidable).</summary>
    public static bool IsKnownKey(string key) =>
        KnownKeys.Contains(key) || KnownKeyPrefixes.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>Refuses the request (AccessDenied 403, in AWS's words) unless its caller may make it; AssumeRole is decided by its handler.</summary>
    public static void Authorize(IamContext c)
    {
        if (c.Service == "iam")
        {
            foreach (var demand in Authorization.IamDemands(c))
            {
                Access.Require(c, demand);
            }

            return;
        }

        var permission = "sts:" + c.Action;
        switch (c.Action)
        {
            case "GetFederationToken" or "GetSessionToken" when c.Session is not null:
                throw new AwsError(403, "AccessDenied", $"Cannot call {c.Action} with session credentials");

            // AWS: no permission is needed for GetSessionToken, and policies cannot control it.
            case "GetSessionToken":
                return;

            // Deviation from AWS, on purpose: AWS never lets a policy deny sts:GetCallerIdentity (it needs no
            // permission at all). LocalAws still needs no Allow for it, but applies an explicit Deny (such as the
            // module's aws:CurrentTime expiry guard) so tests can observe that an expired key stops working.
            case "GetCallerIdentity":
                Access.Require(c, new Demand(permission, c.CallerArn, c.CallerArn), onlyExplicitDeny: true);
                return;

            // Decided by the handler: the role's trust policy and, unless it names the caller, the caller's policies.
            case "AssumeRole":
                return;
        }

        // GetFederationToken, with a long-term key: on the federated user it would make.
        var federatedUser = Authorization.FederatedUserArn(c);
        Access.Require(c, new Demand(permission, federatedUser, federatedUser));
    }

    /// <summary>The permissions an IAM request needs, in the order AWS checks them: its own action, then (CreateUser with tags) iam:TagUser.</summary>
    public static IReadOnlyList<Demand> IamDemands(IamContext c)
    {
        var (resource, shown) = IamResource(c);
        var demands = new List<Demand> { new("iam:" + c.Action, resource, shown) };
        if (c.Action == "CreateUser" && RequestTags(c).Count > 0)
        {
            demands.Add(new Demand("iam:TagUser", resource, shown));
        }

        return demands;
    }

    /// <summary>The federated user GetFederationToken would make: what sts:GetFederationToken is authorised on.</summary>
    public static string FederatedUserArn(IamContext c) => $"arn:aws:sts::{c.Account}:federated-user/{c.Opt("Name")}";

    private static (string Resource, string Shown) IamResource(IamContext c)
    {
        lock (c.State.Gate)
        {
            var target = Targets.TryGetValue(c.Action, out var t) ? t : Target.NoResourceType;
            var creating = c.Action.StartsWith("Create", StringComparison.Ordinal);
            string Arn(string type, string? name, string? existingArn) =>
                existingArn ?? $"arn:aws:iam::{c.Account}:{type}{(creating ? c.Opt("Path") ?? "/" : "/")}{name}";

            switch (target)
            {
                case Target.User:
                    {
                        var name = c.Opt("UserName");
                        var arn = name is null
                            ? c.Caller?.Arn(c.Account) ?? c.CallerArn
                            : Arn("user", name, c.State.UsersByName.TryGetValue(name, out var u) && !creating ? u.Arn(c.Account) : null);
                        return (arn, arn);
                    }

                case Target.Group:
                    {
                        var name = c.Opt("GroupName");
                        var arn = Arn("group", name, name is not null && c.State.GroupsByName.TryGetValue(name, out var g) && !creating ? g.Arn(c.Account) : null);
                        return (arn, arn);
                    }

                case Target.Role:
                    {
                        var name = c.Opt("RoleName");
                        var arn = Arn("role", name, name is not null && c.State.RolesByName.TryGetValue(name, out var r) && !creating ? r.Arn(c.Account) : null);
                        return (arn, arn);
                    }

                case Target.Policy:
                    {
                        var arn = creating ? Arn("policy", c.Opt("PolicyName"), null) : c.Opt("PolicyArn") ?? "*";
                        return (arn, arn);
                    }

                case Target.Mfa:
                    {
                        var arn = creating ? Arn("mfa", c.Opt("VirtualMFADeviceName"), null) : c.Opt("SerialNumber") ?? "*";
                        return (arn, arn);
                    }

                case Target.AccessKeyOwner:
                    {
                        var arn = c.Opt("AccessKeyId") is { } id && c.State.KeysById.TryGetValue(id, out var key)
                            ? key.User.Arn(c.Account)
                            : c.Caller?.Arn(c.Account) ?? c.CallerArn;
                        return (arn, arn);
                    }

                default:
                    {
                        // No resource type: only Resource "*" covers it; AccessDenied names the kind's root, as AWS's message does.
                        var kind = c.Action switch
                        {
                            "ListUsers" => "user",
                            "ListGroups" => "group",
                            "ListRoles" => "role",
                            "ListPolicies" => "policy",
                            _ => null,
                        };
                        return ("*", kind is null ? "*" : $"arn:aws:iam::{c.Account}:{kind}/");
                    }
            }
        }
    }

    /// <summary>The request's own condition keys: its tags, the policy it attaches, the boundary involved, and the target's tags.</summary>
    public static void AddRequestKeys(IamContext c, Dictionary<string, string[]> keys)
    {
        var tags = RequestTags(c);
        var tagKeys = c.Action is "UntagUser" or "UntagRole" ? c.Members("TagKeys") : tags.Select(t => t.Key).ToList();
        if (tagKeys.Count > 0)
        {
            keys["aws:TagKeys"] = [.. tagKeys];
        }

        foreach (var (k, v) in tags)
        {
            keys["aws:RequestTag/" + k] = [v];
        }

        if ((c.Action.StartsWith("Attach", StringComparison.Ordinal) || c.Action.StartsWith("Detach", StringComparison.Ordinal)) && c.Opt("PolicyArn") is { } policyArn)
        {
            keys["iam:PolicyARN"] = [policyArn];
        }

        lock (c.State.Gate)
        {
            var user = c.Opt("UserName") is { } u && c.State.UsersByName.TryGetValue(u, out var found) ? found : null;
            var role = c.Opt("RoleName") is { } r && c.State.RolesByName.TryGetValue(r, out var foundRole) ? foundRole : null;
            var creating = c.Action.StartsWith("Create", StringComparison.Ordinal);
            var boundary = c.Action is "CreateUser" or "CreateRole" or "PutUserPermissionsBoundary" or "PutRolePermissionsBoundary"
                ? c.Opt("PermissionsBoundary")
                : BoundaryOfTarget.Contains(c.Action) ? user?.Boundary ?? role?.Boundary : null;
            if (boundary is not null)
            {
                keys["iam:PermissionsBoundary"] = [boundary];
            }

            var resourceTags = creating ? null : Targets.GetValueOrDefault(c.Action) switch
            {
                Target.User => user?.Tags,
                Target.Role => role?.Tags,
                _ => null,
            };
            foreach (var (k, v) in resourceTags ?? [])
            {
                keys["aws:ResourceTag/" + k] = [v];
                keys["iam:ResourceTag/" + k] = [v];
            }
        }
    }

    /// <summary>Tags.member.N.Key/Value as sent, without IAM's validation (that comes after authorisation).</summary>
    private static List<KeyValuePair<string, string>> RequestTags(IamContext c)
    {
        var byIndex = new SortedDictionary<int, (string? Key, string? Value)>();
        foreach (var (k, v) in c.P)
        {
            var rest = k.StartsWith("Tags.member.", StringComparison.Ordinal) ? k["Tags.member.".Length..].Split('.', 2) : null;
            if (rest is not { Length: 2 } || !int.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                continue;
            }

            var entry = byIndex.GetValueOrDefault(n);
            byIndex[n] = rest[1] == "Key" ? (v, entry.Value) : rest[1] == "Value" ? (entry.Key, v) : entry;
        }

        return [.. byIndex.Values.Where(e => e.Key is not null).Select(e => new KeyValuePair<string, string>(e.Key!, e.Value ?? string.Empty))];
    }
}
