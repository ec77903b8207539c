using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Kinds;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Leases;

/// <summary>Vault's lease revoke: deletes what a lease issued in AWS, then the lease; one lease or many at once.</summary>
internal sealed class LeaseRevocation(EngineContext context, KindContexts kinds)
{
    /// <summary>Revokes many leases with at most <paramref name="throttleLimit"/> in flight; one failure does not stop the rest.</summary>
    public async Task<RevokeSummary> RevokeManyAsync(IReadOnlyList<LeaseRecord> leases, int throttleLimit, bool force, CancellationToken ct)
    {
        Revoker.ValidateThrottleLimit(throttleLimit);
        var events = EngineOperation.Events;
        var outcomes = new RevokeOutcome[leases.Count];
        var done = 0;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, leases.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, throttleLimit), CancellationToken = ct },
            async (i, token) =>
            {
                outcomes[i] = await RevokeOneAsync(leases[i], force, token).ConfigureAwait(false);
                var n = Interlocked.Increment(ref done);
                events.Progress(n, leases.Count, $"Revoked {n} of {leases.Count}");
            }).ConfigureAwait(false);

        var list = outcomes.Where(o => o is not null).ToList();
        return new RevokeSummary(
            list.Count(o => o.Status is RevokeStatus.Revoked or RevokeStatus.AlreadyGone),
            list.Count(o => o.Status is RevokeStatus.Failed),
            list.Count(o => o.Status is RevokeStatus.Forgotten),
            list);
    }

    /// <summary>A failure in AWS is the outcome's error (the lease stays), unless <paramref name="force"/> forgets the lease anyway.</summary>
    public async Task<RevokeOutcome> RevokeOneAsync(LeaseRecord lease, bool force, CancellationToken ct)
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
                $"Lease {lease.LeaseId} was not revoked: {ex.Message} The lease is kept; run Revoke-Lease again, or add -Force to forget it.", ex)
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
