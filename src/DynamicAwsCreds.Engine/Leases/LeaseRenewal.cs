using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Mounts;
using DynamicAwsCreds.Engine.Revoke;

namespace DynamicAwsCreds.Engine.Leases;

/// <summary>
/// Vault's lease renew: the new expiry is now + the increment (default: the mount's iam_user lease), capped at
/// issue time + max TTL. Rewrites the expiry guard first, so AWS and the store agree.
/// </summary>
internal sealed class LeaseRenewal(EngineContext context, MountService mounts, LeaseQueries leases)
{
    public async Task<RenewResult> RenewAsync(string leaseId, TimeSpan? increment, CancellationToken ct)
    {
        var lease = leases.Get(leaseId);
        if (!lease.Renewable || lease.CredentialType != CredentialTypes.IamUser || lease.UserName is null)
        {
            throw new EngineException("LeaseNotRenewable", ErrorKind.InvalidOperation, lease.LeaseId,
                $"Lease {lease.LeaseId} ({lease.CredentialType}) is not renewable: STS credentials end at their expiry. Get new credentials with Get-AwsCredential {lease.Role}.");
        }

        var now = context.Now();
        if (lease.ExpireTime <= now)
        {
            throw new EngineException("LeaseExpired", ErrorKind.InvalidOperation, lease.LeaseId,
                $"Lease {lease.LeaseId} expired at {lease.ExpireTime:u} and can no longer be renewed. Revoke it (Revoke-Lease -Expired) and get new credentials.");
        }

        if (increment is { } inc)
        {
            Durations.Validate(inc, "Increment");
        }

        var store = context.Store;
        var mount = mounts.Require(lease.Mount);
        var wanted = now + (increment is { } i && i > TimeSpan.Zero ? i : LeaseTtl.IamUserTtl(mount, store.GetLeaseConfig(mount.Path), null).Ttl);
        var capped = wanted > lease.MaxExpireTime;
        var expiry = capped ? lease.MaxExpireTime : wanted;

        var iam = context.Clients.For(lease.Mount).Iam;
        EngineOperation.About(lease.LeaseId);
        await iam.PutUserPolicyAsync(lease.UserName, ExpiryGuard.PolicyName, ExpiryGuard.Document(new OwnershipMarker(store.StoreId, lease.LeaseId, expiry)), ct).ConfigureAwait(false);

        if (!store.UpdateLeaseExpiry(lease.LeaseId, expiry, now))
        {
            throw new EngineException("LeaseNotFound", ErrorKind.ObjectNotFound, lease.LeaseId,
                $"Lease {lease.LeaseId} was revoked while it was being renewed.");
        }

        return new RenewResult(store.GetLease(lease.LeaseId)!, capped);
    }
}
