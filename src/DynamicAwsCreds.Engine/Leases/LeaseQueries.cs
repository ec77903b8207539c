using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Mounts;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Leases;

/// <summary>Vault's lease lookup and lease list, and which leases a prefix revoke or an expiry sweep acts on.</summary>
internal sealed class LeaseQueries(EngineContext context, MountService mounts)
{
    public LeaseRecord Get(string leaseId)
    {
        var id = LeaseIds.Validate(leaseId);
        return context.Store.GetLease(id) is { State: LeaseState.Active } lease ? lease : throw NotFound(id);
    }

    /// <summary>
    /// The active lease to revoke by id; null when this store revoked it already (its tombstone is kept), so that
    /// revoking it again succeeds quietly, as in Vault. An id this store never issued is LeaseNotFound.
    /// </summary>
    public LeaseRecord? FindToRevoke(string leaseId)
    {
        var id = LeaseIds.Validate(leaseId);
        if (context.Store.GetLease(id) is { State: LeaseState.Active } lease)
        {
            return lease;
        }

        if (context.Store.WasLeaseRevoked(id, context.Now()))
        {
            EngineOperation.Events.Verbose($"Lease {id} was revoked already; nothing to do.");
            return null;
        }

        throw NotFound(id);
    }

    private static EngineException NotFound(string id) =>
        new("LeaseNotFound", ErrorKind.ObjectNotFound, id,
            $"There is no lease '{id}' (it was revoked or swept, never existed, or lives in another store). Get-Lease lists the leases this store knows.");

    /// <summary>Active leases whose id starts with the prefix, as Vault's lease list: the prefix is a path, "aws/creds/dev" means "aws/creds/dev/…".</summary>
    public IReadOnlyList<LeaseRecord> List(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return context.Store.ListLeasesByPrefix(string.Empty);
        }

        var p = LeaseIds.ValidatePrefix(prefix);
        return context.Store.ListLeasesByPrefix(p.EndsWith('/') ? p : p + "/");
    }

    /// <summary>What Revoke-Lease -Prefix acts on: as Vault, a prefix that is itself a lease id means that lease.</summary>
    public IReadOnlyList<LeaseRecord> ResolveRevokePrefix(string prefix)
    {
        var p = LeaseIds.ValidatePrefix(prefix);
        if (!p.EndsWith('/') && context.Store.GetLease(p) is { State: LeaseState.Active } exact)
        {
            return [exact];
        }

        return context.Store.ListLeasesByPrefix(p.EndsWith('/') ? p : p + "/");
    }

    /// <summary>
    /// What Revoke-Lease -Prefix warns when the prefix is under no enabled mount and holds none (Vault revokes nothing
    /// and succeeds): that nothing is there, naming the mounts that are; null when the prefix is within a mount.
    /// </summary>
    public string? UnmountedPrefixWarning(string prefix)
    {
        var p = LeaseIds.ValidatePrefix(prefix).TrimEnd('/') + "/";
        var paths = context.Store.ListMounts().Select(m => m.Path).ToList();
        if (paths.Any(m => p.StartsWith(m + "/", StringComparison.Ordinal) || (m + "/").StartsWith(p, StringComparison.Ordinal)))
        {
            return null;
        }

        var enabled = paths.Count == 0 ? "No secrets engine is enabled yet." : $"Secrets engines are enabled at: {string.Join(", ", paths)}.";
        return $"No secrets engine is enabled at '{prefix}', so there was no lease to revoke. {enabled}";
    }

    /// <summary>Active leases past their expiry (optionally of one mount): what Revoke-Lease -Expired sweeps.</summary>
    public IReadOnlyList<LeaseRecord> ListExpired(string? path)
    {
        var mount = path is null ? null : mounts.Require(path).Path;
        return context.Store.ListExpiredLeases(context.Now()).Where(l => mount is null || l.Mount == mount).ToList();
    }
}
