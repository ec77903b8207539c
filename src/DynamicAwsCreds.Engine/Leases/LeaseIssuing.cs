using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Mounts;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Roles;
using DynamicAwsCreds.Engine.Roots;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Leases;

/// <summary>Vault's creds/:role: checks a request, then issues its credentials under a new lease.</summary>
internal sealed class LeaseIssuing(EngineContext context, MountService mounts, RoleService roles, RootConfigService roots, IntentRecovery recovery)
{
    public async Task<IssuedCredential> IssueAsync(string? path, string roleName, TimeSpan? ttl, StsOptions sts, CancellationToken ct)
    {
        var (mount, role) = Validate(path, roleName, ttl, sts);
        return await IssueAsync(mount, role, ttl, sts, ct).ConfigureAwait(false);
    }

    /// <summary>Everything about a credential request that can be checked without AWS, so bad input changes nothing.</summary>
    public (MountRecord Mount, Role Role) Validate(string? path, string roleName, TimeSpan? ttl, StsOptions sts)
    {
        var mount = mounts.Require(path);
        var role = roles.Get(mount.Path, roleName);
        // The mount's region may have moved to another partition since the role was set.
        RoleRules.CheckPartition(role, roots.Region(mount.Path), ErrorKind.InvalidOperation);
        if (ttl is { } requested)
        {
            Durations.Validate(requested, "Ttl");
        }

        var isIamUser = role.CredentialType == CredentialTypes.IamUser;
        if (isIamUser && (sts.RoleArn is not null || sts.RoleSessionName is not null || sts.MfaCode is not null))
        {
            throw new EngineException("InvalidRoleParameter", ErrorKind.InvalidArgument, role.Name,
                $"-RoleArn, -RoleSessionName and -MfaCode apply to STS roles; '{role.Name}' issues iam_user credentials.");
        }

        if (sts.RoleSessionName is { } session)
        {
            StsNames.ValidateSessionName(session);
        }

        if (!isIamUser)
        {
            LeaseTtl.StsTtl(mount, role, ttl);
        }

        return (mount, role);
    }

    /// <summary>Issues a request <see cref="Validate"/> passed.</summary>
    public async Task<IssuedCredential> IssueAsync(MountRecord mount, Role role, TimeSpan? ttl, StsOptions sts, CancellationToken ct)
    {
        var clients = context.Clients.For(mount.Path);
        // Resolve root credentials before the intent is written, so "no credentials" changes nothing.
        EngineOperation.About(mount.Path);
        await clients.Credentials.GetAsync(ct).ConfigureAwait(false);
        await recovery.RecoverBeforeIssueAsync(ct).ConfigureAwait(false);
        var now = context.Now();
        var store = context.Store;
        var template = store.GetRootConfig(mount.Path)?.UsernameTemplate;
        EngineOperation.About(role.Name);

        if (role.CredentialType != CredentialTypes.IamUser)
        {
            var stsTtl = LeaseTtl.StsTtl(mount, role, ttl);
            var lease = new LeaseRecord(
                LeaseIds.New(mount.Path, role.Name), mount.Path, role.Name, role.CredentialType, LeaseState.Active,
                now, now + stsTtl, now + stsTtl, null, Renewable: false, null, null, null, null);
            var name = StsNames.Generate(template, context.DisplayName, role, now);
            return await StsIssuer.IssueAsync(clients.Sts, clients.Iam, store, role, lease, sts, name, ct).ConfigureAwait(false);
        }

        var (leaseTtl, maxTtl) = LeaseTtl.IamUserTtl(mount, store.GetLeaseConfig(mount.Path), ttl);
        var userName = StsNames.GenerateUserName(template, context.DisplayName, role, now);
        var intent = new LeaseRecord(
            LeaseIds.New(mount.Path, role.Name), mount.Path, role.Name, role.CredentialType, LeaseState.Pending,
            now, now + leaseTtl, now + maxTtl, null, Renewable: true, userName, null, null, IntentOwners.Current);

        return await IamUserIssuer.IssueAsync(clients.Iam, store, role, intent, ct, context.PropagationBudget).ConfigureAwait(false);
    }
}
