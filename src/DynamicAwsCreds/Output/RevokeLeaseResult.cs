using DynamicAwsCreds.Engine.Revoke;

namespace DynamicAwsCreds;

/// <summary>
/// What Revoke-Lease did: how many leases were revoked, failed, skipped (forgotten with -Force). A lease named by id
/// that this store had revoked before counts as revoked, as revoking it again succeeds in Vault.
/// </summary>
public sealed class RevokeLeaseResult
{
    internal RevokeLeaseResult(string target, RevokeSummary summary, IReadOnlyCollection<string>? revokedBefore = null)
    {
        revokedBefore ??= [];
        Target = target;
        Revoked = summary.Revoked + revokedBefore.Count;
        Failed = summary.Failed;
        Skipped = summary.Skipped;
        LeaseIds = summary.Outcomes.Where(o => o.Status is RevokeStatus.Revoked or RevokeStatus.AlreadyGone).Select(o => o.LeaseId).Concat(revokedBefore).ToArray();
        FailedLeaseIds = summary.Outcomes.Where(o => o.Status is RevokeStatus.Failed).Select(o => o.LeaseId).ToArray();
    }

    public string Target { get; }
    public int Revoked { get; }
    public int Failed { get; }
    public int Skipped { get; }
    public string[] LeaseIds { get; }
    public string[] FailedLeaseIds { get; }

    public override string ToString() => $"{Target}: {Revoked} revoked, {Failed} failed, {Skipped} skipped";
}
