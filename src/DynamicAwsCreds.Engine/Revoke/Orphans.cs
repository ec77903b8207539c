using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Revoke;

public enum OrphanReason
{
    /// <summary>This store's marker, and no live lease here knows the user (a crashed or lost issue): removable.</summary>
    Abandoned,

    /// <summary>Any store's marker whose expiry has passed, so its keys already stopped working: removable.</summary>
    Expired,

    /// <summary>A live lease of another store, or no marker at all (a real Vault's user, a hand-made one): never removed.</summary>
    Foreign,
}

/// <summary>An IAM user the orphan scan found, with why it is (or is not) this module's to remove.</summary>
public sealed record OrphanUser(IamUser User, OrphanReason Reason, OwnershipMarker? Marker)
{
    public bool Removable => Reason is OrphanReason.Abandoned or OrphanReason.Expired;
}

/// <summary>
/// Finds IAM users no lease of this store knows and tells, from their ownership marker alone, which of them this
/// module may delete. Candidates are the users whose names start with the username template's literal prefix.
/// </summary>
internal static class Orphans
{
    private const int ParallelReads = 8;

    /// <summary>The text every IAM user name of the mount's username template (null: Vault's default) starts with.</summary>
    public static string NamePrefix(string? template) => UsernameTemplate.LiteralPrefix(template);

    public static async Task<IReadOnlyList<OrphanUser>> FindAsync(
        IIamApi iam, ILeaseStore store, IntentOwners owners, string namePrefix, string pathPrefix, DateTimeOffset now, CancellationToken ct)
    {
        var users = await iam.ListUsersAsync(pathPrefix, ct).ConfigureAwait(false);
        var known = store.ListLeaseUserNames();
        var candidates = users.Where(u => u.UserName.StartsWith(namePrefix, StringComparison.Ordinal) && !known.Contains(u.UserName)).ToList();
        var found = new OrphanUser?[candidates.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, candidates.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = ct },
            async (i, token) => found[i] = await ClassifyAsync(iam, store, owners, candidates[i], now, token).ConfigureAwait(false)).ConfigureAwait(false);
        return found.OfType<OrphanUser>().ToList();
    }

    /// <summary>The user's standing, read fresh from IAM; null when a live lease or a running issue of this store owns it.</summary>
    public static async Task<OrphanUser?> ClassifyAsync(IIamApi iam, ILeaseStore store, IntentOwners owners, IamUser user, DateTimeOffset now, CancellationToken ct)
    {
        var marker = await Ownership.ReadMarkerAsync(iam, user.UserName, ct).ConfigureAwait(false);
        if (marker is null)
        {
            return new OrphanUser(user, OrphanReason.Foreign, null);
        }

        if (marker.StoreId == store.StoreId && store.GetLease(marker.LeaseId) is { } lease && lease.UserName == user.UserName
            && (lease.State == LeaseState.Active || !owners.IsAbandoned(lease, now)))
        {
            return null;
        }

        var reason = marker.HasExpired(now) ? OrphanReason.Expired
            : marker.StoreId == store.StoreId ? OrphanReason.Abandoned
            : OrphanReason.Foreign;
        return new OrphanUser(user, reason, marker);
    }
}
