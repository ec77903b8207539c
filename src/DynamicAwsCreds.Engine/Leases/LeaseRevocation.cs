using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Kinds;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Leases;

/// <summary>
/// Vault's lease revoke: deletes what a lease issued in AWS, then the lease; one lease or many at once. Each lease is
/// claimed first (<see cref="LeaseClaims"/>), so hosts sharing a store revoke each lease once: a lease another live
/// owner holds is skipped by a sweep or prefix revoke (it is in that owner's summary, not this one) and is a
/// DynamicAwsCreds.LeaseBusy failure for a lease named by id.
/// </summary>
internal sealed class LeaseRevocation(EngineContext context, KindContexts kinds)
{
    /// <summary>How long at least a revoked lease's id is remembered (its tombstone), when its max TTL ends sooner.</summary>
    public static readonly TimeSpan RevokedLeaseMemory = TimeSpan.FromDays(1);

    /// <summary>
    /// Revokes many leases with at most <paramref name="throttleLimit"/> in flight; one failure does not stop the rest.
    /// <paramref name="named"/>: the leases were named one by one (Revoke-Lease ids), so one another host holds is a
    /// LeaseBusy failure and one already gone counts as already revoked; otherwise (a prefix, a sweep) both are left
    /// out of the summary.
    /// </summary>
    public async Task<RevokeSummary> RevokeManyAsync(IReadOnlyList<LeaseRecord> leases, int throttleLimit, bool force, CancellationToken ct, bool named = false)
    {
        Revoker.ValidateThrottleLimit(throttleLimit);
        var events = EngineOperation.Events;
        var outcomes = new RevokeOutcome?[leases.Count];
        var done = 0;
        await ForgettingCacheFilesAsync(leases, () => Parallel.ForEachAsync(
            Enumerable.Range(0, leases.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, throttleLimit), CancellationToken = ct },
            async (i, token) =>
            {
                outcomes[i] = await RevokeClaimedAsync(leases[i], force, named, token).ConfigureAwait(false);
                var n = Interlocked.Increment(ref done);
                events.Progress(n, leases.Count, $"Revoked {n} of {leases.Count}");
            })).ConfigureAwait(false);

        var list = outcomes.OfType<RevokeOutcome>().ToList();
        return new RevokeSummary(
            list.Count(o => o.Status is RevokeStatus.Revoked or RevokeStatus.AlreadyGone),
            list.Count(o => o.Status is RevokeStatus.Failed),
            list.Count(o => o.Status is RevokeStatus.Forgotten),
            list);
    }

    /// <summary>Revokes one lease named by id (<see cref="RevokeManyAsync"/> with named = true, for one lease).</summary>
    public async Task<RevokeOutcome> RevokeOneAsync(LeaseRecord lease, bool force, CancellationToken ct)
    {
        RevokeOutcome? outcome = null;
        await ForgettingCacheFilesAsync([lease], async () => outcome = await RevokeClaimedAsync(lease, force, named: true, ct).ConfigureAwait(false))
            .ConfigureAwait(false);
        return outcome!;
    }

    /// <summary>
    /// Runs the revokes between two looks through the credential_process cache files for these leases (a look per
    /// operation, however many leases): the first so the helper stops handing them out at once, as the store's cache
    /// does; the second for an entry written meanwhile from a cache row not yet deleted.
    /// </summary>
    private async Task ForgettingCacheFilesAsync(IReadOnlyList<LeaseRecord> leases, Func<Task> revoke)
    {
        var ids = leases.Select(l => l.LeaseId).ToList();
        context.CacheFiles.ForgetLeases(ids);
        try
        {
            await revoke().ConfigureAwait(false);
        }
        finally
        {
            context.CacheFiles.ForgetLeases(ids);
        }
    }

    /// <summary>Claims the lease, revokes it, and deletes it or gives the claim back; null when a sweep leaves it to another owner.</summary>
    private async Task<RevokeOutcome?> RevokeClaimedAsync(LeaseRecord lease, bool force, bool named, CancellationToken ct)
    {
        var store = context.Store;
        var claim = LeaseClaims.Take(store, context.Owners, lease, LeaseState.Active, context.Now);
        switch (claim.Status)
        {
            case ClaimStatus.Gone when named:
                // Revoked meanwhile (by another host or process): as Vault, revoking a revoked lease succeeds quietly.
                return new RevokeOutcome(lease.LeaseId, RevokeStatus.AlreadyGone, lease.UserName, null);
            case ClaimStatus.Busy when named:
                return new RevokeOutcome(lease.LeaseId, RevokeStatus.Failed, lease.UserName, LeaseClaims.Busy(lease.LeaseId, claim.Owner));
            case ClaimStatus.Gone or ClaimStatus.Busy:
                EngineOperation.Events.Verbose($"Skipped {lease.LeaseId}: {(claim.Status == ClaimStatus.Gone ? "already revoked" : $"host '{claim.Owner?.Host}' is revoking it")}.");
                return null;
        }

        // Revoked or forgotten, the lease is deleted by the revoke itself; kept, it is given back.
        await using var heartbeat = LeaseHeartbeat.Start(store, lease.LeaseId, claim.Owner!, context.Owners, context.Time);
        RevokeOutcome outcome;
        try
        {
            outcome = await RevokeAsync(lease, force, ct).ConfigureAwait(false);
        }
        catch (Exception)
        {
            LeaseClaims.Release(store, lease.LeaseId, await heartbeat.StopAsync().ConfigureAwait(false));
            throw;
        }

        var owner = await heartbeat.StopAsync().ConfigureAwait(false);
        if (outcome.Status == RevokeStatus.Failed)
        {
            LeaseClaims.Release(store, lease.LeaseId, owner);
        }
        else
        {
            RememberRevoked(lease);
        }

        return outcome;
    }

    /// <summary>
    /// Keeps the lease's tombstone until its max TTL would have ended, and at least <see cref="RevokedLeaseMemory"/>:
    /// revoking it again within that time succeeds quietly; later, it is LeaseNotFound like any unknown id.
    /// </summary>
    private void RememberRevoked(LeaseRecord lease)
    {
        var now = context.Now();
        var keepUntil = lease.MaxExpireTime > now + RevokedLeaseMemory ? lease.MaxExpireTime : now + RevokedLeaseMemory;
        try
        {
            context.Store.RememberRevokedLease(lease.LeaseId, keepUntil, now);
        }
        catch (Exception caught) when (context.ErrorOf(caught, lease.LeaseId) is { } ex)
        {
            // The revoke itself is done; only a second revoke of this id would notice.
            EngineOperation.Events.Warning($"Lease {lease.LeaseId} was revoked, but the store could not remember it ({ex.Reason}), so revoking it again will say LeaseNotFound.");
        }
    }

    /// <summary>A failure in AWS is the outcome's error (the lease stays), unless <paramref name="force"/> forgets the lease anyway.</summary>
    private async Task<RevokeOutcome> RevokeAsync(LeaseRecord lease, bool force, CancellationToken ct)
    {
        var store = context.Store;
        // A lease being revoked is never handed out again, even when AWS refuses the revoke and the lease stays.
        // (On success the row would go anyway: credential_cache cascades from leases, foreign_keys is on.)
        store.DeleteCachedCredential(lease.LeaseId);
        try
        {
            return await CredentialKinds.Get(lease.CredentialType).RevokeAsync(kinds.For(lease.Mount), lease, ct).ConfigureAwait(false);
        }
        catch (Exception caught) when (!ct.IsCancellationRequested && context.ErrorOf(caught, lease.UserName) is { } ex)
        {
            var failure = new EngineException("RevokeFailed", ex.Kind, lease.LeaseId,
                $"Lease {lease.LeaseId} was not revoked: {EngineException.Sentence(ex.Message)} The lease is kept; run Revoke-Lease again, or add -Force to forget it.", ex)
            { AwsCode = ex.AwsCode };
            if (!force)
            {
                return new RevokeOutcome(lease.LeaseId, RevokeStatus.Failed, lease.UserName, failure);
            }

            store.DeleteLease(lease.LeaseId);
            EngineOperation.Events.Warning($"Lease {lease.LeaseId} was forgotten, but its IAM user '{lease.UserName}' may still exist in AWS ({ex.AwsCode ?? ex.Reason}). Remove it by hand or with Remove-AwsOrphanUser.");
            return new RevokeOutcome(lease.LeaseId, RevokeStatus.Forgotten, lease.UserName, failure);
        }
    }
}
