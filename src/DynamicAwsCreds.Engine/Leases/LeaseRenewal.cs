using DynamicAwsCreds.Engine.Kinds;
using DynamicAwsCreds.Engine.Revoke;

namespace DynamicAwsCreds.Engine.Leases;

/// <summary>Vault's lease renew, as the lease's credential kind does it (an iam_user lease rewrites its expiry guard; STS leases are not renewable).</summary>
internal sealed class LeaseRenewal(LeaseQueries leases, KindContexts kinds)
{
    public async Task<RenewResult> RenewAsync(string leaseId, TimeSpan? increment, CancellationToken ct)
    {
        var lease = leases.Get(leaseId);
        EngineOperation.About(lease.LeaseId);
        return await CredentialKinds.Get(lease.CredentialType).RenewAsync(kinds.For(lease.Mount), lease, increment, ct).ConfigureAwait(false);
    }
}
