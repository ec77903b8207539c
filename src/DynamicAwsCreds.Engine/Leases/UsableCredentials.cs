using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Kinds;
using DynamicAwsCreds.Engine.Mounts;
using DynamicAwsCreds.Engine.Roots;

namespace DynamicAwsCreds.Engine.Leases;

/// <summary>Waits until AWS accepts credentials just issued: a new IAM access key takes a few seconds to work everywhere.</summary>
internal sealed class UsableCredentials(EngineContext context, MountService mounts, LeaseRevocation revocation)
{
    /// <summary>For a new iam_user key, <see cref="WaitUntilUsableAsync"/>. STS credentials work at once, so for them this returns at once.</summary>
    public async Task WaitUntilNewKeyUsableAsync(IssuedCredential issued, TimeSpan timeout, CancellationToken ct)
    {
        if (CredentialKinds.Get(issued.Lease.CredentialType).KeyNeedsPropagation)
        {
            await WaitUntilUsableAsync(issued.Lease.Mount, issued, timeout, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// With <paramref name="usableWithin"/>, waits for the new key; when AWS does not accept it in time (or the wait
    /// is stopped), revokes it, since nothing was handed out.
    /// </summary>
    public async Task<IssuedCredential> UsableOrRevokedAsync(IssuedCredential issued, TimeSpan? usableWithin, CancellationToken ct)
    {
        if (usableWithin is not { } timeout)
        {
            return issued;
        }

        try
        {
            await WaitUntilNewKeyUsableAsync(issued, timeout, ct).ConfigureAwait(false);
            return issued;
        }
        catch (Exception ex)
        {
            // Not the caller's token: a stopped wait must still revoke.
            var revoke = await revocation.RevokeOneAsync(issued.Lease, force: false, CancellationToken.None).ConfigureAwait(false);
            if (ex is EngineException { Reason: "CredentialNotUsable" } notUsable)
            {
                throw new EngineException(notUsable.Reason, notUsable.Kind, issued.Lease.LeaseId, revoke.Error is null
                    ? $"AWS did not accept the new key of lease {issued.Lease.LeaseId} within {Durations.Format(timeout)}, so the lease was revoked and nothing was handed out. Try again with a longer -Timeout, or with -NoWait to take the key at once."
                    : $"AWS did not accept the new key of lease {issued.Lease.LeaseId} within {Durations.Format(timeout)}, so nothing was handed out; revoking the lease failed too ({revoke.Error.Message}).", notUsable);
            }

            throw;
        }
    }

    /// <summary>Polls sts:GetCallerIdentity with the new credentials until AWS accepts them. The lease stays whatever happens.</summary>
    public async Task WaitUntilUsableAsync(string? path, IssuedCredential issued, TimeSpan timeout, CancellationToken ct)
    {
        var mount = mounts.Require(path ?? issued.Lease.Mount);
        var config = context.Store.GetRootConfig(mount.Path);
        var endpoints = MountEndpoints.Resolve(config);
        StoredRootConfig.CheckEndpoints(endpoints, config);
        var credentials = new AwsCredentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken);
        await context.Clients.WaitUntilAcceptedAsync(endpoints, credentials, timeout, (ex, code) =>
            new EngineException("CredentialNotUsable", ErrorKind.OperationTimeout, issued.Lease.LeaseId,
                $"AWS did not accept the new credentials within {Durations.Format(timeout)} ({code}). The lease {issued.Lease.LeaseId} is kept; try them again shortly or revoke it.", ex), ct).ConfigureAwait(false);
    }
}
