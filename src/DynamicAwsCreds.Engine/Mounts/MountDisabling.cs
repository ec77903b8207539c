using DynamicAwsCreds.Engine.Leases;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Mounts;

/// <summary>Disable-SecretsEngine: revokes every lease under the path, then removes its config and roles.</summary>
internal sealed class MountDisabling(EngineContext context, MountService mounts, LeaseRevocation revocation, IntentRecovery recovery)
{
    /// <summary>How long disabling waits for issues already under way in the mount to roll back.</summary>
    public static readonly TimeSpan IssueWait = TimeSpan.FromMinutes(1);

    public async Task<RevokeSummary> DisableAsync(string? path, int throttleLimit, bool force, CancellationToken ct)
    {
        var mount = mounts.Require(path);
        var store = context.Store;
        // From here no issue can add a lease under the mount or activate one, so none outlives it.
        store.SetMountDisabling(mount.Path, true);
        // First, so no credential_process is handed a lease that the revokes below have not reached yet.
        store.DeleteCachedCredentials(mount.Path);
        context.CacheFiles.ForgetMount(mount.Path);
        var prefix = MountService.LeasePrefix(mount.Path);
        var leases = store.ListLeasesByPrefix(prefix);
        var summary = await revocation.RevokeManyAsync(leases, throttleLimit, force, ct).ConfigureAwait(false);
        var stillIssuing = await WaitForIssuesUnderAsync(prefix, ct).ConfigureAwait(false);
        if (summary.Failed > 0 || stillIssuing > 0)
        {
            store.SetMountDisabling(mount.Path, false);
            throw new EngineException("DisableFailed", ErrorKind.InvalidOperation, mount.Path, summary.Failed > 0
                ? $"{summary.Failed} lease(s) under '{mount.Path}' could not be revoked, so the secrets engine stays enabled. {summary.FailureCause()} Fix the cause and run Disable-SecretsEngine again, or add -Force to forget those leases."
                : $"{stillIssuing} issue(s) under '{mount.Path}' did not finish in time, so the secrets engine stays enabled. Run Disable-SecretsEngine again.",
                summary.FirstFailure)
            { AwsCode = summary.FirstFailure?.AwsCode };
        }

        store.RemoveMount(mount.Path);
        context.Clients.Forget(mount.Path);
        return summary;
    }

    /// <summary>
    /// Issues that wrote their intent before the mount was marked cannot activate any more and roll back; waits for
    /// them (and cleans up after crashed ones). Returns how many are still pending.
    /// </summary>
    private async Task<int> WaitForIssuesUnderAsync(string prefix, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + IssueWait;
        while (true)
        {
            await recovery.RecoverAbandonedAsync(ct).ConfigureAwait(false);
            var pending = context.Store.ListLeasesByPrefix(prefix, activeOnly: false).Count(l => l.State == LeaseState.Pending);
            if (pending == 0 || DateTimeOffset.UtcNow >= deadline)
            {
                return pending;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
        }
    }
}
