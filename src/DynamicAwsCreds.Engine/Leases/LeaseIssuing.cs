using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Kinds;
using DynamicAwsCreds.Engine.Mounts;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Roles;
using DynamicAwsCreds.Engine.Roots;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Leases;

/// <summary>Vault's creds/:role: checks a request, then issues its credentials under a new lease.</summary>
internal sealed class LeaseIssuing(EngineContext context, MountService mounts, RoleService roles, RootConfigService roots, IntentRecovery recovery, KindContexts kinds)
{
    public async Task<IssuedCredential> IssueAsync(string? path, string roleName, TimeSpan? ttl, StsOptions sts, CancellationToken ct)
    {
        var intents = context.SharedStore ? recovery.ReadIntentsAhead() : null;
        MountRecord mount;
        Role role;
        try
        {
            (mount, role) = Validate(path, roleName, ttl, sts);
        }
        catch
        {
            Unobserved(intents);
            throw;
        }

        return await IssueAsync(mount, role, ttl, sts, intents, ct).ConfigureAwait(false);
    }

    /// <summary>Everything about a credential request that can be checked without AWS, so bad input changes nothing.</summary>
    public (MountRecord Mount, Role Role) Validate(string? path, string roleName, TimeSpan? ttl, StsOptions sts)
    {
        var mount = mounts.Require(path);
        ReadAhead(mount.Path);
        var role = roles.Get(mount.Path, roleName);
        // The mount's region may have moved to another partition since the role was set.
        RoleRules.CheckPartition(role, roots.Region(mount.Path), ErrorKind.InvalidOperation);
        if (ttl is { } requested)
        {
            Durations.Validate(requested, "Ttl");
        }

        CredentialKinds.Get(role.CredentialType).ValidateRequest(kinds.For(mount.Path, mount), new CredentialRequest(role, ttl, sts));
        return (mount, role);
    }

    /// <summary>
    /// The TTL a request for the role without -Ttl gets now, and the longest one it may ask for, with Vault's defaults
    /// (lease config, mount, 768h; 1h for STS) applied; null when no request for it would pass the TTL rules.
    /// </summary>
    public LeaseTerm? Term(Role role)
    {
        var kind = CredentialKinds.Get(role.CredentialType);
        var kindContext = kinds.For(role.Mount);
        try
        {
            var byDefault = kind.Ttl(kindContext, role, null);
            // An STS lease's max is its TTL (it cannot be renewed); the longest is what asking for AWS's limit gets.
            return kind is StsKind sts ? byDefault with { Max = kind.Ttl(kindContext, role, sts.LongestTtl).Ttl } : byDefault;
        }
        catch (EngineException)
        {
            return null;
        }
    }

    /// <summary>Issues a request <see cref="Validate"/> passed.</summary>
    public Task<IssuedCredential> IssueAsync(MountRecord mount, Role role, TimeSpan? ttl, StsOptions sts, CancellationToken ct) =>
        IssueAsync(mount, role, ttl, sts, null, ct);

    private async Task<IssuedCredential> IssueAsync(MountRecord mount, Role role, TimeSpan? ttl, StsOptions sts, Task<IReadOnlyList<LeaseRecord>>? intents, CancellationToken ct)
    {
        // Resolve root credentials before the intent is written, so "no credentials" changes nothing.
        EngineOperation.About(mount.Path);
        try
        {
            await context.Clients.For(mount.Path).Credentials.GetAsync(ct).ConfigureAwait(false);
        }
        catch (AwsCredentialsException) when (!context.Store.MountTakesLeases(mount.Path))
        {
            // Disabled since the check above: its root config went with it, so there are no credentials to find.
            Unobserved(intents);
            throw KindErrors.MountClosed(mount.Path);
        }
        catch
        {
            Unobserved(intents);
            throw;
        }

        await recovery.RecoverBeforeIssueAsync(intents, ct).ConfigureAwait(false);
        EngineOperation.About(role.Name);
        var kind = CredentialKinds.Get(role.CredentialType);
        var kindContext = kinds.For(mount.Path, mount);
        if (ttl is { } requested && kind.Ttl(kindContext, role, ttl).Ttl is var capped && requested > capped)
        {
            // As Vault: a TTL over the effective maximum is capped, and the caller is told.
            EngineOperation.Events.Warning($"The requested TTL {Durations.Format(requested)} is more than the maximum TTL {Durations.Format(capped)} of role '{role.Name}' on '{mount.Path}'; the lease lasts {Durations.Format(capped)}.");
        }

        return await kind.IssueAsync(kindContext, new CredentialRequest(role, ttl, sts), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Over a network (a shared store) every read is a round trip: the mount's root and lease config are read while its
    /// role is, and kept for the rest of the call (<see cref="OperationReads"/>); outside a call nothing would keep them,
    /// and a file store reads them in less time than starting the reads takes, so then nothing is read ahead.
    /// </summary>
    private void ReadAhead(string mount)
    {
        if (OperationReads.Current is null || !context.SharedStore)
        {
            return;
        }

        Unobserved(Task.Run(() => context.Store.GetRootConfig(mount)));
        Unobserved(Task.Run(() => context.Store.GetLeaseConfig(mount)));
    }

    /// <summary>A read ahead that nothing awaits: a failure of it is left to the read that needs it (a failed read is not kept).</summary>
    private static void Unobserved(Task? task) =>
        task?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
