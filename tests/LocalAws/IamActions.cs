using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using static LocalAws.IamContext;

namespace LocalAws;

/// <summary>The IAM actions. Every handler runs while holding the state lock and never waits.</summary>
internal static partial class IamActions
{
    private const int MaxAccessKeys = 2;
    private const int MaxManagedPoliciesPerEntity = 10;
    private const int MaxGroupsPerUser = 10;
    private const int MaxUserInlineBytes = 2048;
    private const int MaxGroupInlineBytes = 5120;
    private const int MaxManagedPolicyBytes = 6144;
    private const int MaxRoleInlineBytes = 10240;

    public static readonly IReadOnlyDictionary<string, Func<IamContext, XElement?>> Handlers = new Dictionary<string, Func<IamContext, XElement?>>(StringComparer.Ordinal)
    {
        ["CreateUser"] = CreateUser,
        ["GetUser"] = GetUser,
        ["ListUsers"] = ListUsers,
        ["DeleteUser"] = DeleteUser,
        ["TagUser"] = TagUser,
        ["UntagUser"] = UntagUser,
        ["ListUserTags"] = ListUserTags,
        ["AttachUserPolicy"] = AttachUserPolicy,
        ["DetachUserPolicy"] = DetachUserPolicy,
        ["ListAttachedUserPolicies"] = ListAttachedUserPolicies,
        ["PutUserPolicy"] = PutUserPolicy,
        ["GetUserPolicy"] = GetUserPolicy,
        ["DeleteUserPolicy"] = DeleteUserPolicy,
        ["ListUserPolicies"] = ListUserPolicies,
        ["CreateGroup"] = CreateGroup,
        ["GetGroup"] = GetGroup,
        ["ListGroups"] = ListGroups,
        ["DeleteGroup"] = DeleteGroup,
        ["AddUserToGroup"] = AddUserToGroup,
        ["RemoveUserFromGroup"] = RemoveUserFromGroup,
        ["ListGroupsForUser"] = ListGroupsForUser,
        ["AttachGroupPolicy"] = c => Attach(c, c.Group(c.Name("GroupName", "groupName", 128)).AttachedPolicies),
        ["DetachGroupPolicy"] = c => Detach(c, c.Group(c.Name("GroupName", "groupName", 128)).AttachedPolicies),
        ["ListAttachedGroupPolicies"] = c => ListAttached(c, c.Group(c.Name("GroupName", "groupName", 128)).AttachedPolicies),
        ["PutGroupPolicy"] = PutGroupPolicy,
        ["GetGroupPolicy"] = GetGroupPolicy,
        ["DeleteGroupPolicy"] = DeleteGroupPolicy,
        ["ListGroupPolicies"] = c => ListInline(c, c.Group(c.Name("GroupName", "groupName", 128)).InlinePolicies.Keys),
        ["CreateRole"] = CreateRole,
        ["GetRole"] = GetRole,
        ["ListRoles"] = ListRoles,
        ["UpdateRole"] = UpdateRole,
        ["UpdateAssumeRolePolicy"] = UpdateAssumeRolePolicy,
        ["DeleteRole"] = DeleteRole,
        ["AttachRolePolicy"] = c => Attach(c, c.Role(c.Name("RoleName", "roleName", 64)).AttachedPolicies, "PoliciesPerRole"),
        ["DetachRolePolicy"] = c => Detach(c, c.Role(c.Name("RoleName", "roleName", 64)).AttachedPolicies),
        ["ListAttachedRolePolicies"] = c => ListAttached(c, c.Role(c.Name("RoleName", "roleName", 64)).AttachedPolicies),
        ["PutRolePolicy"] = PutRolePolicy,
        ["GetRolePolicy"] = GetRolePolicy,
        ["DeleteRolePolicy"] = DeleteRolePolicy,
        ["ListRolePolicies"] = c => ListInline(c, c.Role(c.Name("RoleName", "roleName", 64)).InlinePolicies.Keys),
        ["CreateAccessKey"] = CreateAccessKey,
        ["ListAccessKeys"] = ListAccessKeys,
        ["UpdateAccessKey"] = UpdateAccessKey,
        ["DeleteAccessKey"] = DeleteAccessKey,
        ["GetAccessKeyLastUsed"] = GetAccessKeyLastUsed,
        ["CreatePolicy"] = CreatePolicy,
        ["GetPolicy"] = GetPolicy,
        ["GetPolicyVersion"] = GetPolicyVersion,
        ["ListPolicies"] = ListPolicies,
        ["DeletePolicy"] = DeletePolicy,
        ["CreateLoginProfile"] = CreateLoginProfile,
        ["GetLoginProfile"] = GetLoginProfile,
        ["DeleteLoginProfile"] = DeleteLoginProfile,
        ["CreateVirtualMFADevice"] = CreateVirtualMfaDevice,
        ["EnableMFADevice"] = EnableMfaDevice,
        ["ListMFADevices"] = ListMfaDevices,
        ["DeactivateMFADevice"] = DeactivateMfaDevice,
        ["DeleteVirtualMFADevice"] = DeleteVirtualMfaDevice,
        ["UploadSSHPublicKey"] = UploadSshPublicKey,
        ["ListSSHPublicKeys"] = ListSshPublicKeys,
        ["DeleteSSHPublicKey"] = DeleteSshPublicKey,
        ["UploadSigningCertificate"] = UploadSigningCertificate,
        ["ListSigningCertificates"] = ListSigningCertificates,
        ["DeleteSigningCertificate"] = DeleteSigningCertificate,
        ["CreateServiceSpecificCredential"] = CreateServiceSpecificCredential,
        ["ListServiceSpecificCredentials"] = ListServiceSpecificCredentials,
        ["DeleteServiceSpecificCredential"] = DeleteServiceSpecificCredential,
    };

    private static XElement Result(IamContext c, params object?[] content) => X(c.Action + "Result", content);

    // ---- users ---------------------------------------------------------------------------------

    private static XElement UserXml(IamContext c, UserEntity u, bool full) => X("member",
        X("Path", u.Path),
        X("UserName", u.Name),
        X("UserId", u.Id),
        X("Arn", u.Arn(c.Account)),
        X("CreateDate", Date(u.Created)),
        full && u.Boundary is not null ? X("PermissionsBoundary", X("PermissionsBoundaryType", "PermissionsBoundaryPolicy"), X("PermissionsBoundaryArn", u.Boundary)) : null,
        full && u.Tags.Count > 0 ? X("Tags", u.Tags.Select(TagXml)) : null);

    private static XElement Named(XElement e, string name)
    {
        e.Name = LocalAwsServer.IamNs + name;
        return e;
    }

    private static XElement TagXml(KeyValuePair<string, string> t) => X("member", X("Key", t.Key), X("Value", t.Value));

    private static XElement CreateUser(IamContext c)
    {
        var name = c.Name("UserName", "userName", 64);
        var path = c.Path();
        var tags = c.Tags();
        string? boundary = null;
        if (c.Opt("PermissionsBoundary") is not null)
        {
            boundary = c.PolicyArnParam("PermissionsBoundary", "permissionsBoundary");
            if (!c.State.PoliciesByArn.ContainsKey(boundary))
            {
                throw AwsError.NoSuchEntity($"Scope ARN: {boundary} does not exist or is not attachable.");
            }
        }

        if (c.State.UsersByName.ContainsKey(name))
        {
            throw AwsError.AlreadyExists($"User with name {name} already exists.");
        }

        var user = new UserEntity { Name = name, Path = path, Id = IamState.NewId("AIDA", 17), Created = c.Now, Boundary = boundary, VisibleAt = Consistency.VisibleAt(c.Options) };
        user.Tags.AddRange(tags);
        c.State.UsersByName.Add(name, user);
        return Result(c, Named(UserXml(c, user, full: true), "User"));
    }

    private static XElement GetUser(IamContext c) => Result(c, Named(UserXml(c, c.UserOrCaller(), full: true), "User"));

    private static XElement ListUsers(IamContext c)
    {
        var prefix = c.PathPrefix();
        var (page, tail) = c.Paginate(Ordered(c.State.UsersByName.Values.Where(u => u.IsVisible && u.Path.StartsWith(prefix, StringComparison.Ordinal)), u => u.Name), u => u.Name);
        return Result(c, X("Users", page.Select(u => UserXml(c, u, full: false))), tail);
    }

    private static XElement? DeleteUser(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 128));
        string? conflict =
            user.LoginProfile is not null ? "Cannot delete entity, must delete login profile first." :
            user.AccessKeys.Count > 0 ? "Cannot delete entity, must delete access keys first." :
            user.Certificates.Count > 0 ? "Cannot delete entity, must delete certificates first." :
            user.MfaDevices.Count > 0 ? "Cannot delete entity, must delete MFA device first." :
            user.InlinePolicies.Count > 0 ? "Cannot delete entity, must delete policies first." :
            user.AttachedPolicies.Count > 0 ? "Cannot delete entity, must detach all policies first." :
            user.Groups.Count > 0 ? "Cannot delete entity, must remove users from group first." :
            user.SshKeys.Count > 0 || user.ServiceCredentials.Count > 0 ? "Cannot delete entity, must remove referenced objects first." :
            null;
        if (conflict is not null)
        {
            throw AwsError.DeleteConflict(conflict);
        }

        user.Deleted = true;
        c.State.UsersByName.Remove(user.Name);
        return null;
    }

    private static XElement? TagUser(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 128));
        var tags = c.Tags();
        if (tags.Count == 0)
        {
            throw Validation("Value null at 'tags' failed to satisfy constraint: Member must not be null");
        }

        foreach (var t in tags)
        {
            var i = user.Tags.FindIndex(x => string.Equals(x.Key, t.Key, StringComparison.OrdinalIgnoreCase));
            if (i >= 0)
            {
                user.Tags[i] = t;
            }
            else
            {
                if (user.Tags.Count >= 50)
                {
                    throw AwsError.LimitExceeded("The number of tags has reached the maximum limit.");
                }

                user.Tags.Add(t);
            }
        }

        return null;
    }

    private static XElement? UntagUser(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 128));
        var keys = c.Members("TagKeys");
        if (keys.Count == 0)
        {
            throw Validation("Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
        }

        user.Tags.RemoveAll(t => keys.Contains(t.Key, StringComparer.OrdinalIgnoreCase));
        return null;
    }

    private static XElement ListUserTags(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 128));
        var (page, tail) = c.Paginate(user.Tags, t => t.Key);
        return Result(c, X("Tags", page.Select(TagXml)), tail);
    }

    // ---- managed policy attachments ------------------------------------------------------------

    private static ManagedPolicyEntity AttachablePolicy(IamContext c, string arn) =>
        c.State.PoliciesByArn.TryGetValue(arn, out var p) ? p : throw AwsError.NoSuchEntity($"Policy {arn} does not exist or is not attachable.");

    private static XElement? Attach(IamContext c, List<string> attached, string quota = "PoliciesPerUser", Action<string>? added = null)
    {
        var arn = c.PolicyArnParam();
        AttachablePolicy(c, arn);
        if (!attached.Contains(arn, StringComparer.Ordinal))
        {
            if (attached.Count >= MaxManagedPoliciesPerEntity)
            {
                throw AwsError.LimitExceeded($"Cannot exceed quota for {quota}: {MaxManagedPoliciesPerEntity}");
            }

            attached.Add(arn);
            added?.Invoke(arn);
        }

        return null;
    }

    private static XElement? Detach(IamContext c, List<string> attached, Func<string, bool>? seen = null)
    {
        var arn = c.PolicyArnParam();
        if ((seen is not null && !seen(arn)) || !attached.Remove(arn))
        {
            throw AwsError.NoSuchEntity($"Policy {arn} was not found.");
        }

        return null;
    }

    private static XElement? AttachUserPolicy(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 128));
        return Attach(c, user.AttachedPolicies, added: arn => user.MarkPending(Consistency.Attachment(arn), Consistency.VisibleAt(c.Options)));
    }

    private static XElement? DetachUserPolicy(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 128));
        var change = Consistency.Attachment(c.PolicyArnParam());
        Detach(c, user.AttachedPolicies, _ => user.Sees(change));
        user.Pending.Remove(change);
        return null;
    }

    private static XElement ListAttachedUserPolicies(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 128));
        return ListAttached(c, user.AttachedPolicies.Where(arn => user.Sees(Consistency.Attachment(arn))));
    }

    private static XElement ListAttached(IamContext c, IEnumerable<string> attached)
    {
        var prefix = c.PathPrefix();
        var items = attached
            .Select(a => c.State.PoliciesByArn.TryGetValue(a, out var p) ? p : null)
            .OfType<ManagedPolicyEntity>()
            .Where(p => p.Path.StartsWith(prefix, StringComparison.Ordinal));
        var (page, tail) = c.Paginate(Ordered(items, p => p.Name), p => p.Name);
        return Result(c, X("AttachedPolicies", page.Select(p => X("member", X("PolicyName", p.Name), X("PolicyArn", p.Arn)))), tail);
    }

    // ---- inline policies -----------------------------------------------------------------------

    private static XElement? PutInline(IamContext c, SortedDictionary<string, string> policies, int quota, string quotaMessage)
    {
        var policyName = c.Name("PolicyName", "policyName", 128);
        var doc = c.Document();
        var size = policies.Where(p => p.Key != policyName).Sum(p => PolicyEvaluator.QuotaSize(p.Value)) + PolicyEvaluator.QuotaSize(doc);
        if (size > quota)
        {
            throw AwsError.LimitExceeded(quotaMessage);
        }

        policies[policyName] = doc;
        return null;
    }

    private static XElement? PutUserPolicy(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 128));
        var policyName = c.Name("PolicyName", "policyName", 128);
        var before = user.SeenInline(policyName);
        PutInline(c, user.InlinePolicies, MaxUserInlineBytes, $"Maximum policy size of {MaxUserInlineBytes} bytes exceeded for user {user.Name}");
        user.MarkPending(Consistency.Inline(policyName), Consistency.VisibleAt(c.Options));
        if (before is null)
        {
            user.InlineBefore.Remove(policyName);
        }
        else
        {
            user.InlineBefore[policyName] = before;
        }

        return null;
    }

    private static XElement? PutGroupPolicy(IamContext c)
    {
        var group = c.Group(c.Name("GroupName", "groupName", 128));
        return PutInline(c, group.InlinePolicies, MaxGroupInlineBytes, $"Maximum policy size of {MaxGroupInlineBytes} bytes exceeded for group {group.Name}");
    }

    private static XElement GetUserPolicy(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 128));
        var policyName = c.Name("PolicyName", "policyName", 128);
        var doc = user.SeenInline(policyName) ?? throw AwsError.NoSuchEntity($"The user policy with name {policyName} cannot be found.");

        return Result(c, X("UserName", user.Name), X("PolicyName", policyName), X("PolicyDocument", Uri.EscapeDataString(doc)));
    }

    private static XElement GetGroupPolicy(IamContext c)
    {
        var group = c.Group(c.Name("GroupName", "groupName", 128));
        var policyName = c.Name("PolicyName", "policyName", 128);
        if (!group.InlinePolicies.TryGetValue(policyName, out var doc))
        {
            throw AwsError.NoSuchEntity($"The group policy with name {policyName} cannot be found.");
        }

        return Result(c, X("GroupName", group.Name), X("PolicyName", policyName), X("PolicyDocument", Uri.EscapeDataString(doc)));
    }

    private static XElement? DeleteUserPolicy(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 128));
        var policyName = c.Name("PolicyName", "policyName", 128);
        if (user.SeenInline(policyName) is null)
        {
            throw AwsError.NoSuchEntity($"The user policy with name {policyName} cannot be found.");
        }

        user.InlinePolicies.Remove(policyName);
        user.Pending.Remove(Consistency.Inline(policyName));
        user.InlineBefore.Remove(policyName);
        return null;
    }

    private static XElement? DeleteGroupPolicy(IamContext c)
    {
        var group = c.Group(c.Name("GroupName", "groupName", 128));
        var policyName = c.Name("PolicyName", "policyName", 128);
        return group.InlinePolicies.Remove(policyName) ? null : throw AwsError.NoSuchEntity($"The group policy with name {policyName} cannot be found.");
    }

    private static XElement ListUserPolicies(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 128));
        return ListInline(c, user.InlinePolicies.Keys.Where(name => user.SeenInline(name) is not null));
    }

    private static XElement ListInline(IamContext c, IEnumerable<string> policyNames)
    {
        var (page, tail) = c.Paginate(Ordered(policyNames, k => k), k => k);
        return Result(c, X("PolicyNames", page.Select(n => X("member", n))), tail);
    }

    // ---- groups --------------------------------------------------------------------------------

    private static XElement GroupXml(IamContext c, GroupEntity g) => X("member",
        X("Path", g.Path), X("GroupName", g.Name), X("GroupId", g.Id), X("Arn", g.Arn(c.Account)), X("CreateDate", Date(g.Created)));

    private static XElement CreateGroup(IamContext c)
    {
        var name = c.Name("GroupName", "groupName", 128);
        var path = c.Path();
        if (c.State.GroupsByName.ContainsKey(name))
        {
            throw AwsError.AlreadyExists($"Group with name {name} already exists.");
        }

        var group = new GroupEntity { Name = name, Path = path, Id = IamState.NewId("AGPA", 17), Created = c.Now };
        c.State.GroupsByName.Add(name, group);
        return Result(c, Named(GroupXml(c, group), "Group"));
    }

    private static XElement GetGroup(IamContext c)
    {
        var group = c.Group(c.Name("GroupName", "groupName", 128));
        var members = group.Members.Where(u => u.IsVisible && u.Sees(Consistency.Membership(group)));
        var (page, tail) = c.Paginate(Ordered(members, u => u.Name), u => u.Name);
        return Result(c, Named(GroupXml(c, group), "Group"), X("Users", page.Select(u => UserXml(c, u, full: false))), tail);
    }

    private static XElement ListGroups(IamContext c)
    {
        var prefix = c.PathPrefix();
        var (page, tail) = c.Paginate(Ordered(c.State.GroupsByName.Values.Where(g => g.Path.StartsWith(prefix, StringComparison.Ordinal)), g => g.Name), g => g.Name);
        return Result(c, X("Groups", page.Select(g => GroupXml(c, g))), tail);
    }

    private static XElement? DeleteGroup(IamContext c)
    {
        var group = c.Group(c.Name("GroupName", "groupName", 128));
        if (group.Members.Count > 0)
        {
            throw AwsError.DeleteConflict("Cannot delete entity, must remove users from group first.");
        }

        if (group.InlinePolicies.Count > 0)
        {
            throw AwsError.DeleteConflict("Cannot delete entity, must delete policies first.");
        }

        if (group.AttachedPolicies.Count > 0)
        {
            throw AwsError.DeleteConflict("Cannot delete entity, must detach all policies first.");
        }

        c.State.GroupsByName.Remove(group.Name);
        return null;
    }

    private static XElement? AddUserToGroup(IamContext c)
    {
        var group = c.Group(c.Name("GroupName", "groupName", 128));
        var user = c.User(c.Name("UserName", "userName", 64));
        if (!user.Groups.Contains(group))
        {
            if (user.Groups.Count >= MaxGroupsPerUser)
            {
                throw AwsError.LimitExceeded($"Cannot exceed quota for GroupsPerUser: {MaxGroupsPerUser}");
            }

            user.Groups.Add(group);
            group.Members.Add(user);
            user.MarkPending(Consistency.Membership(group), Consistency.VisibleAt(c.Options));
        }

        return null;
    }

    private static XElement? RemoveUserFromGroup(IamContext c)
    {
        var group = c.Group(c.Name("GroupName", "groupName", 128));
        var user = c.User(c.Name("UserName", "userName", 128));
        if (!user.Sees(Consistency.Membership(group)) || !user.Groups.Remove(group))
        {
            throw AwsError.NoSuchEntity($"The user with name {user.Name} cannot be found in group {group.Name}.");
        }

        group.Members.Remove(user);
        user.Pending.Remove(Consistency.Membership(group));
        return null;
    }

    private static XElement ListGroupsForUser(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 128));
        var (page, tail) = c.Paginate(Ordered(user.Groups.Where(g => user.Sees(Consistency.Membership(g))), g => g.Name), g => g.Name);
        return Result(c, X("Groups", page.Select(g => GroupXml(c, g))), tail);
    }

    // ---- roles ---------------------------------------------------------------------------------

    [GeneratedRegex(@"^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$")]
    private static partial Regex DescriptionPattern();

    /// <summary>A role as Role (full: GetRole/CreateRole) or as a ListRoles member.</summary>
    private static XElement RoleXml(IamContext c, RoleEntity r, bool full) => X("member",
        X("Path", r.Path),
        X("RoleName", r.Name),
        X("RoleId", r.Id),
        X("Arn", r.Arn(c.Account)),
        X("CreateDate", Date(r.Created)),
        X("AssumeRolePolicyDocument", Uri.EscapeDataString(r.TrustPolicy)),
        r.Description is not null ? X("Description", r.Description) : null,
        X("MaxSessionDuration", r.MaxSessionDuration),
        full && r.Boundary is not null ? X("PermissionsBoundary", X("PermissionsBoundaryType", "PermissionsBoundaryPolicy"), X("PermissionsBoundaryArn", r.Boundary)) : null,
        full && r.Tags.Count > 0 ? X("Tags", r.Tags.Select(TagXml)) : null,
        !full || c.Action != "GetRole" ? null : r.LastUsed is { } used ? X("RoleLastUsed", X("LastUsedDate", Date(used)), X("Region", "us-east-1")) : X("RoleLastUsed"));

    private static string? Description(IamContext c) => c.OptString("Description", "description", 0, 1000, DescriptionPattern(), @"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*");

    private static int? MaxSessionDuration(IamContext c) =>
        c.Opt("MaxSessionDuration") is null ? null : c.IntRange("MaxSessionDuration", "maxSessionDuration", 3600, 43200, fallback: 3600);

    private static XElement CreateRole(IamContext c)
    {
        var name = c.Name("RoleName", "roleName", 64);
        var path = c.Path();
        var trust = c.Required("AssumeRolePolicyDocument", "assumeRolePolicyDocument");
        c.OptString("AssumeRolePolicyDocument", "assumeRolePolicyDocument", 1, 131072);
        var description = Description(c);
        var maxSession = MaxSessionDuration(c) ?? 3600;
        var tags = c.Tags();
        string? boundary = null;
        if (c.Opt("PermissionsBoundary") is not null)
        {
            boundary = c.PolicyArnParam("PermissionsBoundary", "permissionsBoundary");
            if (!c.State.PoliciesByArn.ContainsKey(boundary))
            {
                throw AwsError.NoSuchEntity($"Scope ARN: {boundary} does not exist or is not attachable.");
            }
        }

        TrustPolicy.Validate(trust, c.State);
        if (c.State.RolesByName.ContainsKey(name))
        {
            throw AwsError.AlreadyExists($"Role with name {name} already exists.");
        }

        var role = new RoleEntity
        {
            Name = name,
            Path = path,
            Id = IamState.NewId("AROA", 17),
            Created = c.Now,
            TrustPolicy = trust,
            Description = description,
            MaxSessionDuration = maxSession,
            Boundary = boundary,
        };
        role.Tags.AddRange(tags);
        c.State.RolesByName.Add(name, role);
        return Result(c, Named(RoleXml(c, role, full: true), "Role"));
    }

    private static XElement GetRole(IamContext c) => Result(c, Named(RoleXml(c, c.Role(c.Name("RoleName", "roleName", 64)), full: true), "Role"));

    private static XElement ListRoles(IamContext c)
    {
        var prefix = c.PathPrefix();
        var (page, tail) = c.Paginate(Ordered(c.State.RolesByName.Values.Where(r => r.Path.StartsWith(prefix, StringComparison.Ordinal)), r => r.Name), r => r.Name);
        return Result(c, X("Roles", page.Select(r => RoleXml(c, r, full: false))), tail);
    }

    private static XElement UpdateRole(IamContext c)
    {
        var role = c.Role(c.Name("RoleName", "roleName", 64));
        var description = Description(c);
        var maxSession = MaxSessionDuration(c);
        if (description is not null)
        {
            role.Description = description;
        }

        if (maxSession is not null)
        {
            role.MaxSessionDuration = maxSession.Value;
        }

        return Result(c);
    }

    private static XElement? UpdateAssumeRolePolicy(IamContext c)
    {
        var role = c.Role(c.Name("RoleName", "roleName", 64));
        var trust = c.Required("PolicyDocument", "policyDocument");
        c.OptString("PolicyDocument", "policyDocument", 1, 131072);
        TrustPolicy.Validate(trust, c.State);
        role.TrustPolicy = trust;
        return null;
    }

    private static XElement? DeleteRole(IamContext c)
    {
        var role = c.Role(c.Name("RoleName", "roleName", 64));
        string? conflict =
            role.InlinePolicies.Count > 0 ? "Cannot delete entity, must delete policies first." :
            role.AttachedPolicies.Count > 0 ? "Cannot delete entity, must detach all policies first." :
            null;
        if (conflict is not null)
        {
            throw AwsError.DeleteConflict(conflict);
        }

        role.Deleted = true;
        c.State.RolesByName.Remove(role.Name);
        return null;
    }

    private static XElement? PutRolePolicy(IamContext c)
    {
        var role = c.Role(c.Name("RoleName", "roleName", 64));
        return PutInline(c, role.InlinePolicies, MaxRoleInlineBytes, $"Maximum policy size of {MaxRoleInlineBytes} bytes exceeded for role {role.Name}");
    }

    private static XElement GetRolePolicy(IamContext c)
    {
        var role = c.Role(c.Name("RoleName", "roleName", 64));
        var policyName = c.Name("PolicyName", "policyName", 128);
        if (!role.InlinePolicies.TryGetValue(policyName, out var doc))
        {
            throw AwsError.NoSuchEntity($"The role policy with name {policyName} cannot be found.");
        }

        return Result(c, X("RoleName", role.Name), X("PolicyName", policyName), X("PolicyDocument", Uri.EscapeDataString(doc)));
    }

    private static XElement? DeleteRolePolicy(IamContext c)
    {
        var role = c.Role(c.Name("RoleName", "roleName", 64));
        var policyName = c.Name("PolicyName", "policyName", 128);
        return role.InlinePolicies.Remove(policyName) ? null : throw AwsError.NoSuchEntity($"The role policy with name {policyName} cannot be found.");
    }

    // ---- access keys ---------------------------------------------------------------------------

    private static AccessKeyEntity Key(IamContext c, UserEntity user, string id) =>
        user.AccessKeys.FirstOrDefault(k => k.Id == id && Consistency.IsVisible(k.VisibleAt)) ?? throw AwsError.NoSuchEntity($"The Access Key with id {id} cannot be found.");

    private static XElement CreateAccessKey(IamContext c)
    {
        var user = c.UserOrCaller();
        if (user.AccessKeys.Count >= MaxAccessKeys)
        {
            throw AwsError.LimitExceeded($"Cannot exceed quota for AccessKeysPerUser: {MaxAccessKeys}");
        }

        string id;
        do
        {
            id = IamState.NewId("AKIA", 16);
        }
        while (c.State.KeysById.ContainsKey(id));

        var key = new AccessKeyEntity
        {
            Id = id, Secret = IamState.NewSecret(40), User = user, Created = c.Now, CreatedTick = Environment.TickCount64, VisibleAt = Consistency.VisibleAt(c.Options),
        };
        user.AccessKeys.Add(key);
        c.State.KeysById.Add(id, key);
        return Result(c, X("AccessKey",
            X("UserName", user.Name),
            X("AccessKeyId", key.Id),
            X("Status", key.Status),
            X("SecretAccessKey", key.Secret),
            X("CreateDate", Date(key.Created))));
    }

    private static XElement ListAccessKeys(IamContext c)
    {
        var user = c.UserOrCaller();
        var (page, tail) = c.Paginate(user.AccessKeys.Where(k => Consistency.IsVisible(k.VisibleAt)), k => k.Id);
        return Result(c,
            X("UserName", user.Name),
            X("AccessKeyMetadata", page.Select(k => X("member", X("UserName", user.Name), X("AccessKeyId", k.Id), X("Status", k.Status), X("CreateDate", Date(k.Created))))),
            tail);
    }

    private static XElement? UpdateAccessKey(IamContext c)
    {
        var id = c.Id("AccessKeyId", "accessKeyId", 16, 128);
        var status = c.Enum("Status", "status", "Active", "Inactive");
        var user = c.UserOrCaller();
        Key(c, user, id).Status = status;
        return null;
    }

    private static XElement? DeleteAccessKey(IamContext c)
    {
        var id = c.Id("AccessKeyId", "accessKeyId", 16, 128);
        var user = c.UserOrCaller();
        var key = Key(c, user, id);
        user.AccessKeys.Remove(key);
        c.State.KeysById.Remove(key.Id);
        return null;
    }

    private static XElement GetAccessKeyLastUsed(IamContext c)
    {
        var id = c.Id("AccessKeyId", "accessKeyId", 16, 128);
        if (!c.State.KeysById.TryGetValue(id, out var key))
        {
            throw new AwsError(403, "AccessDenied", $"User: {c.CallerArn} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key {id}");
        }

        return Result(c, X("UserName", key.User.Name), X("AccessKeyLastUsed", X("ServiceName", "N/A"), X("Region", "N/A")));
    }

    // ---- managed policies ----------------------------------------------------------------------

    private static XElement PolicyXml(IamContext c, ManagedPolicyEntity p, bool withDescription) => X("Policy",
        X("PolicyName", p.Name),
        X("PolicyId", p.Id),
        X("Arn", p.Arn),
        X("Path", p.Path),
        X("DefaultVersionId", "v1"),
        X("AttachmentCount", c.State.AttachmentCount(p.Arn)),
        X("PermissionsBoundaryUsageCount", c.State.UsersByName.Values.Count(u => u.Boundary == p.Arn) + c.State.RolesByName.Values.Count(r => r.Boundary == p.Arn)),
        X("IsAttachable", "true"),
        withDescription && p.Description is not null ? X("Description", p.Description) : null,
        X("CreateDate", Date(p.Created)),
        X("UpdateDate", Date(p.Created)),
        p.Tags.Count > 0 ? X("Tags", p.Tags.Select(TagXml)) : null);

    private static ManagedPolicyEntity ExistingPolicy(IamContext c)
    {
        var arn = c.PolicyArnParam();
        return c.State.PoliciesByArn.TryGetValue(arn, out var p) ? p : throw AwsError.NoSuchEntity($"Policy {arn} was not found.");
    }

    private static XElement CreatePolicy(IamContext c)
    {
        var name = c.Name("PolicyName", "policyName", 128);
        var path = c.Path();
        var doc = c.Document();
        var description = c.Opt("Description");
        var tags = c.Tags();
        if (PolicyEvaluator.QuotaSize(doc) > MaxManagedPolicyBytes)
        {
            throw AwsError.LimitExceeded($"Cannot exceed quota for PolicySize: {MaxManagedPolicyBytes}");
        }

        var arn = $"arn:aws:iam::{c.Account}:policy{path}{name}";
        if (c.State.PoliciesByArn.Values.Any(p => !p.AwsManaged && string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) && p.Path == path))
        {
            throw AwsError.AlreadyExists($"A policy called {name} already exists. Duplicate names are not allowed.");
        }

        var policy = new ManagedPolicyEntity { Name = name, Path = path, Arn = arn, Id = IamState.NewId("ANPA", 17), Document = doc, Created = c.Now, Description = description };
        policy.Tags.AddRange(tags);
        c.State.PoliciesByArn.Add(arn, policy);
        return Result(c, PolicyXml(c, policy, withDescription: false));
    }

    private static XElement GetPolicy(IamContext c) => Result(c, PolicyXml(c, ExistingPolicy(c), withDescription: true));

    private static XElement GetPolicyVersion(IamContext c)
    {
        var policy = ExistingPolicy(c);
        var version = c.Required("VersionId", "versionId");
        if (version != "v1")
        {
            throw AwsError.NoSuchEntity($"Policy {policy.Arn} version {version} does not exist or is not attachable.");
        }

        return Result(c, X("PolicyVersion",
            X("Document", Uri.EscapeDataString(policy.Document)),
            X("VersionId", "v1"),
            X("IsDefaultVersion", "true"),
            X("CreateDate", Date(policy.Created))));
    }

    private static XElement ListPolicies(IamContext c)
    {
        var scope = c.Opt("Scope") is null ? "All" : c.Enum("Scope", "scope", "All", "AWS", "Local");
        var onlyAttached = c.Bool("OnlyAttached");
        var prefix = c.PathPrefix();
        var items = c.State.PoliciesByArn.Values
            .Where(p => scope == "All" || (scope == "AWS") == p.AwsManaged)
            .Where(p => p.Path.StartsWith(prefix, StringComparison.Ordinal))
            .Where(p => !onlyAttached || c.State.AttachmentCount(p.Arn) > 0);
        var (page, tail) = c.Paginate(Ordered(items, p => p.Arn), p => p.Arn);
        return Result(c, X("Policies", page.Select(p => Named(PolicyXml(c, p, withDescription: false), "member"))), tail);
    }

    private static XElement? DeletePolicy(IamContext c)
    {
        var policy = ExistingPolicy(c);
        if (policy.AwsManaged)
        {
            throw new AwsError(403, "AccessDenied", $"User: {c.CallerArn} is not authorized to perform: iam:DeletePolicy on resource: policy {policy.Arn}");
        }

        if (c.State.AttachmentCount(policy.Arn) > 0 || c.State.UsersByName.Values.Any(u => u.Boundary == policy.Arn) || c.State.RolesByName.Values.Any(r => r.Boundary == policy.Arn))
        {
            throw AwsError.DeleteConflict("Cannot delete a policy attached to entities.");
        }

        c.State.PoliciesByArn.Remove(policy.Arn);
        return null;
    }

    // ---- login profile -------------------------------------------------------------------------

    private static XElement CreateLoginProfile(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 64));
        var password = c.Required("Password", "password");
        if (password.Length is < 1 or > 128)
        {
            throw Validation("Value '*****' at 'password' failed to satisfy constraint: Member must have length less than or equal to 128");
        }

        if (user.LoginProfile is not null)
        {
            throw AwsError.AlreadyExists($"Login Profile for user {user.Name} already exists.");
        }

        user.LoginProfile = new LoginProfileEntity { Created = c.Now, PasswordResetRequired = c.Bool("PasswordResetRequired") };
        return Result(c, LoginProfileXml(user));
    }

    private static XElement LoginProfileXml(UserEntity user) => X("LoginProfile",
        X("UserName", user.Name),
        X("CreateDate", Date(user.LoginProfile!.Created)),
        X("PasswordResetRequired", user.LoginProfile.PasswordResetRequired ? "true" : "false"));

    private static XElement GetLoginProfile(IamContext c)
    {
        var user = c.UserOrCaller();
        return user.LoginProfile is null
            ? throw AwsError.NoSuchEntity($"Login Profile for User {user.Name} cannot be found.")
            : Result(c, LoginProfileXml(user));
    }

    private static XElement? DeleteLoginProfile(IamContext c)
    {
        var user = c.UserOrCaller();
        if (user.LoginProfile is null)
        {
            throw AwsError.NoSuchEntity($"Login Profile for User {user.Name} cannot be found.");
        }

        user.LoginProfile = null;
        return null;
    }

    // ---- MFA -----------------------------------------------------------------------------------

    private static XElement CreateVirtualMfaDevice(IamContext c)
    {
        var name = c.Name("VirtualMFADeviceName", "virtualMFADeviceName", 226);
        var path = c.Path();
        var serial = $"arn:aws:iam::{c.Account}:mfa{path}{name}";
        if (c.State.MfaBySerial.ContainsKey(serial))
        {
            throw AwsError.AlreadyExists("MFADevice entity at the same path and name already exists.");
        }

        var seed = IamState.NewBase32(64);
        var device = new MfaDeviceEntity { Serial = serial, Seed = seed, Created = c.Now, Path = path };
        device.Tags.AddRange(c.Tags());
        c.State.MfaBySerial.Add(serial, device);
        return Result(c, X("VirtualMFADevice",
            X("SerialNumber", serial),
            X("Base32StringSeed", Convert.ToBase64String(Encoding.ASCII.GetBytes(seed))),
            X("QRCodePNG", Convert.ToBase64String(FakePng(seed)))));
    }

    private static byte[] FakePng(string seed)
    {
        // Not a scannable QR code: the PNG signature followed by random bytes, enough for clients that only store it.
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        return [.. signature, .. SHA256.HashData(Encoding.ASCII.GetBytes(seed))];
    }

    private static string Code(IamContext c, string param, string member)
    {
        var v = c.Required(param, member);
        if (v.Length != 6 || !v.All(char.IsAsciiDigit))
        {
            throw Validation($"Value '{v}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]+");
        }

        return v;
    }

    private static string Serial(IamContext c)
    {
        var v = c.Required("SerialNumber", "serialNumber");
        if (v.Length is < 9 or > 256)
        {
            throw Validation($"Value '{v}' at 'serialNumber' failed to satisfy constraint: Member must have length greater than or equal to 9");
        }

        return v;
    }

    private static XElement? EnableMfaDevice(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 128));
        var serial = Serial(c);
        Code(c, "AuthenticationCode1", "authenticationCode1");
        Code(c, "AuthenticationCode2", "authenticationCode2");
        if (!c.State.MfaBySerial.TryGetValue(serial, out var device))
        {
            throw AwsError.NoSuchEntity($"VirtualMFADevice with serial number {serial} does not exist.");
        }

        if (device.User is not null)
        {
            throw AwsError.AlreadyExists("MFA Device is already in use.");
        }

        if (user.MfaDevices.Count >= 8)
        {
            throw AwsError.LimitExceeded("Cannot exceed quota for MFADevicesPerUser: 8");
        }

        device.User = user;
        device.Enabled = c.Now;
        user.MfaDevices.Add(device);
        return null;
    }

    private static XElement ListMfaDevices(IamContext c)
    {
        var user = c.UserOrCaller();
        var (page, tail) = c.Paginate(Ordered(user.MfaDevices, d => d.Serial), d => d.Serial);
        return Result(c, X("MFADevices", page.Select(d => X("member", X("UserName", user.Name), X("SerialNumber", d.Serial), X("EnableDate", Date(d.Enabled ?? d.Created))))), tail);
    }

    private static XElement? DeactivateMfaDevice(IamContext c)
    {
        var serial = Serial(c);
        var user = c.UserOrCaller();
        var device = user.MfaDevices.FirstOrDefault(d => d.Serial == serial)
            ?? throw AwsError.NoSuchEntity($"MFA Device with serial number {serial} does not exist.");
        user.MfaDevices.Remove(device);
        device.User = null;
        device.Enabled = null;
        return null;
    }

    private static XElement? DeleteVirtualMfaDevice(IamContext c)
    {
        var serial = Serial(c);
        if (!c.State.MfaBySerial.TryGetValue(serial, out var device))
        {
            throw AwsError.NoSuchEntity($"VirtualMFADevice with serial number {serial} doesn't exist.");
        }

        if (device.User is not null)
        {
            throw AwsError.DeleteConflict("MFA Device is still in use.");
        }

        c.State.MfaBySerial.Remove(serial);
        return null;
    }

    // ---- SSH public keys -----------------------------------------------------------------------

    private static XElement UploadSshPublicKey(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 64));
        var body = c.Required("SSHPublicKeyBody", "sSHPublicKeyBody").Trim();
        byte[] blob;
        var parts = body.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            blob = parts.Length >= 2 && parts[0].StartsWith("ssh-", StringComparison.Ordinal)
                ? Convert.FromBase64String(parts[1])
                : body.StartsWith("-----BEGIN", StringComparison.Ordinal)
                    ? Encoding.ASCII.GetBytes(body)
                    : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new AwsError(400, "InvalidPublicKey", "The public key is not a valid SSH public key.");
        }

        if (user.SshKeys.Any(k => k.Body == body))
        {
            throw new AwsError(400, "DuplicateSSHPublicKey", "The public key is already associated with the user.");
        }

        if (user.SshKeys.Count >= 5)
        {
            throw AwsError.LimitExceeded("Cannot exceed quota for SSHPublicKeysPerUser: 5");
        }

        var fingerprint = string.Join(':', MD5.HashData(blob).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        var key = new SshKeyEntity { Id = IamState.NewId("APKA", 16), Body = body, Fingerprint = fingerprint, Uploaded = c.Now };
        user.SshKeys.Add(key);
        return Result(c, X("SSHPublicKey",
            X("UserName", user.Name),
            X("SSHPublicKeyId", key.Id),
            X("Fingerprint", key.Fingerprint),
            X("SSHPublicKeyBody", key.Body),
            X("Status", key.Status),
            X("UploadDate", Date(key.Uploaded))));
    }

    private static XElement ListSshPublicKeys(IamContext c)
    {
        var user = c.UserOrCaller();
        var (page, tail) = c.Paginate(user.SshKeys, k => k.Id);
        return Result(c, X("SSHPublicKeys", page.Select(k => X("member", X("UserName", user.Name), X("SSHPublicKeyId", k.Id), X("Status", k.Status), X("UploadDate", Date(k.Uploaded))))), tail);
    }

    private static XElement? DeleteSshPublicKey(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 64));
        var id = c.Id("SSHPublicKeyId", "sSHPublicKeyId", 20, 128);
        if (user.SshKeys.RemoveAll(k => k.Id == id) == 0)
        {
            throw AwsError.NoSuchEntity($"The Public Key with id {id} cannot be found.");
        }

        return null;
    }

    // ---- signing certificates ------------------------------------------------------------------

    private static XElement UploadSigningCertificate(IamContext c)
    {
        var user = c.UserOrCaller();
        var body = c.Required("CertificateBody", "certificateBody").Trim();
        if (!body.StartsWith("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) || !body.EndsWith("-----END CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new AwsError(400, "MalformedCertificate", "Unable to parse certificate. Please ensure the certificate is in PEM format.");
        }

        if (user.Certificates.Any(x => x.Body == body))
        {
            throw new AwsError(409, "DuplicateCertificate", "The same certificate is already associated with the user.");
        }

        if (user.Certificates.Count >= 2)
        {
            throw AwsError.LimitExceeded("Cannot exceed quota for SigningCertificatesPerUser: 2");
        }

        var cert = new CertificateEntity { Id = IamState.NewId(string.Empty, 32), Body = body, Uploaded = c.Now };
        user.Certificates.Add(cert);
        return Result(c, X("Certificate", X("UserName", user.Name), X("CertificateId", cert.Id), X("CertificateBody", cert.Body), X("Status", cert.Status), X("UploadDate", Date(cert.Uploaded))));
    }

    private static XElement ListSigningCertificates(IamContext c)
    {
        var user = c.UserOrCaller();
        var (page, tail) = c.Paginate(user.Certificates, x => x.Id);
        return Result(c, X("Certificates", page.Select(x => X("member", X("UserName", user.Name), X("CertificateId", x.Id), X("CertificateBody", x.Body), X("Status", x.Status), X("UploadDate", Date(x.Uploaded))))), tail);
    }

    private static XElement? DeleteSigningCertificate(IamContext c)
    {
        var user = c.UserOrCaller();
        var id = c.Id("CertificateId", "certificateId", 24, 128);
        if (user.Certificates.RemoveAll(x => x.Id == id) == 0)
        {
            throw AwsError.NoSuchEntity($"The Certificate with id {id} cannot be found.");
        }

        return null;
    }

    // ---- service-specific credentials ----------------------------------------------------------

    private static readonly string[] SupportedServices = ["codecommit.amazonaws.com", "cassandra.amazonaws.com"];

    private static XElement CreateServiceSpecificCredential(IamContext c)
    {
        var user = c.User(c.Name("UserName", "userName", 64));
        var service = c.Required("ServiceName", "serviceName");
        if (!SupportedServices.Contains(service, StringComparer.Ordinal))
        {
            throw new AwsError(404, "NotSupportedService", $"The specified service {service} is not supported.");
        }

        if (user.ServiceCredentials.Count(x => x.ServiceName == service) >= 2)
        {
            throw AwsError.LimitExceeded("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2");
        }

        var cred = new ServiceCredentialEntity
        {
            Id = IamState.NewId("ACCA", 17),
            ServiceName = service,
            ServiceUserName = $"{user.Name}-at-{c.Account}",
            Password = IamState.NewSecret(44),
            Created = c.Now,
        };
        user.ServiceCredentials.Add(cred);
        return Result(c, X("ServiceSpecificCredential",
            X("CreateDate", Date(cred.Created)),
            X("ServiceName", cred.ServiceName),
            X("ServiceUserName", cred.ServiceUserName),
            X("ServicePassword", cred.Password),
            X("ServiceSpecificCredentialId", cred.Id),
            X("UserName", user.Name),
            X("Status", cred.Status)));
    }

    private static XElement ListServiceSpecificCredentials(IamContext c)
    {
        var user = c.UserOrCaller();
        var service = c.Opt("ServiceName");
        var items = user.ServiceCredentials.Where(x => service is null || x.ServiceName == service);
        var (page, tail) = c.Paginate(items, x => x.Id);
        return Result(c, X("ServiceSpecificCredentials", page.Select(x => X("member",
            X("UserName", user.Name),
            X("Status", x.Status),
            X("ServiceUserName", x.ServiceUserName),
            X("CreateDate", Date(x.Created)),
            X("ServiceSpecificCredentialId", x.Id),
            X("ServiceName", x.ServiceName)))), tail);
    }

    private static XElement? DeleteServiceSpecificCredential(IamContext c)
    {
        var user = c.UserOrCaller();
        var id = c.Id("ServiceSpecificCredentialId", "serviceSpecificCredentialId", 20, 128);
        if (user.ServiceCredentials.RemoveAll(x => x.Id == id) == 0)
        {
            throw AwsError.NoSuchEntity($"No such credential {id} exists");
        }

        return null;
    }
}
