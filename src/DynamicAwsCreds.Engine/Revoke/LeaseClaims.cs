using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Revoke;

internal enum ClaimStatus
{
    /// <summary>This engine owns the lease now; it must release it (or delete the lease) when its work ends.</summary>
    Claimed,

    /// <summary>An owner that is alive (its deadline ahead) is working on the lease; nothing was written.</summary>
    Busy,

    /// <summary>The lease is gone, or no longer in the state the work needs (another host finished with it).</summary>
    Gone,
}

/// <summary>The result of claiming a lease: who owns it now (this engine, or the live owner that kept it).</summary>
internal sealed record LeaseClaim(ClaimStatus Status, LeaseOwner? Owner);

/// <summary>
/// Claims a lease before any AWS call on it, so two hosts never both revoke or recover one lease: a compare-and-swap of
/// its owner (<see cref="ILeaseStore.ClaimLease"/>) from the owner as read (none, or one that is gone) to this engine
/// with a deadline. A lost race re-reads the lease and judges its new owner afresh.
/// </summary>
internal static class LeaseClaims
{
    private const int Attempts = 4;

    /// <param name="asRead">The lease as listed; its owner is what the swap expects.</param>
    /// <param name="state">The state the work needs the lease in (Active to revoke, Pending to recover).</param>
    public static LeaseClaim Take(ILeaseStore store, IntentOwners owners, LeaseRecord asRead, LeaseState state, Func<DateTimeOffset> now)
    {
        LeaseRecord? lease = asRead;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            if (lease is null || lease.State != state)
            {
                return new LeaseClaim(ClaimStatus.Gone, null);
            }

            if (lease.Owner is { } owner && !owners.IsGone(owner, lease.IssueTime, now()))
            {
                return new LeaseClaim(ClaimStatus.Busy, owner);
            }

            var me = owners.NewOwner();
            if (store.ClaimLease(lease.LeaseId, lease.Owner, me))
            {
                return new LeaseClaim(ClaimStatus.Claimed, me);
            }

            lease = store.GetLease(asRead.LeaseId);
        }

        return new LeaseClaim(ClaimStatus.Busy, lease?.Owner);
    }

    /// <summary>Gives a claim up after the work failed, so a later run (here or on any host) may try again at once.</summary>
    public static void Release(ILeaseStore store, string leaseId, LeaseOwner owner)
    {
        try
        {
            store.ClaimLease(leaseId, owner, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The claim then lapses at its deadline.
            EngineOperation.Events.Verbose($"Could not release the claim on {leaseId} ({ex.GetType().Name}); it lapses at its deadline.");
        }
    }

    /// <summary>DynamicAwsCreds.LeaseBusy: another live host or process is working on the lease; nothing was changed.</summary>
    public static EngineException Busy(string leaseId, LeaseOwner? owner) =>
        new("LeaseBusy", ErrorKind.ResourceBusy, leaseId,
            $"Lease {leaseId} is being worked on by host '{owner?.Host ?? "unknown"}' (process {owner?.ProcessId}"
            + (owner?.Deadline is { } until ? $", alive until at least {until:u}" : "")
            + "), so nothing was changed. Try again in a moment; if that host stopped, its claim lapses at its deadline.");
}
