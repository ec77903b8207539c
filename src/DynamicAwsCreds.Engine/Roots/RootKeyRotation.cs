using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Mounts;

namespace DynamicAwsCreds.Engine.Roots;

/// <summary>Vault's config/rotate-root: GetUser, CreateAccessKey, wait until AWS accepts the new key, store it, DeleteAccessKey the old.</summary>
internal sealed class RootKeyRotation(EngineContext context, MountService mounts)
{
    /// <summary>How long rotation waits for AWS to accept the new root key before it gives up and changes nothing.</summary>
    public static readonly TimeSpan PropagationTimeout = TimeSpan.FromSeconds(60);

    public async Task<RootConfigInfo> RotateAsync(string? path, CancellationToken ct)
    {
        var mount = mounts.Require(path);
        var store = context.Store;
        var config = store.GetRootConfig(mount.Path);
        if (config?.AccessKey is null || config.SecretKeyCiphertext is null)
        {
            throw new EngineException("RootConfigNotExplicit", ErrorKind.InvalidOperation, mount.Path,
                $"The root config of '{mount.Path}' has no access key of its own (it uses the AWS SDK's default chain), so there is nothing to rotate. Set keys with Set-AwsRootConfig first.");
        }

        MountSealing.RequireKey(context, mount.Path, config.KmsKeyId, MountSealing.RootKeys);
        var iam = context.Clients.For(mount.Path).Iam;
        EngineOperation.About(mount.Path);
        var user = await iam.GetUserAsync(null, ct).ConfigureAwait(false);
        EngineOperation.About(user.UserName);
        var fresh = await CreateKeyAsync(iam, user.UserName, ct).ConfigureAwait(false);

        // Nothing switches to the new key before AWS accepts it (a key just made is refused for a few seconds) and
        // it is sealed as the old one was (with the config's KMS key, if any); either failing deletes the new key.
        byte[] sealedKey;
        try
        {
            sealedKey = MountSealing.Seal(context, mount.Path, config.KmsKeyId, fresh.SecretAccessKey, StoredRootConfig.SecretContext(mount.Path), MountSealing.RootKeys);
            await context.Clients.WaitUntilAcceptedAsync(MountEndpoints.Resolve(config), new AwsCredentials(fresh.AccessKeyId, fresh.SecretAccessKey), PropagationTimeout, (ex, code) =>
                new EngineException("RootKeyNotUsable", ErrorKind.OperationTimeout, fresh.AccessKeyId,
                    $"AWS did not accept the new root key {fresh.AccessKeyId} within {Durations.Format(PropagationTimeout)} ({code}), so the root config keeps the old key and the new one was deleted. Try again later.", ex), ct)
                .ConfigureAwait(false);
        }
        catch (EngineException)
        {
            try
            {
                await iam.DeleteAccessKeyAsync(fresh.AccessKeyId, user.UserName, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AwsServiceException or AwsTransportException)
            {
                EngineOperation.Events.Warning($"The unused new key {fresh.AccessKeyId} could not be deleted ({(ex as AwsServiceException)?.Code ?? "no answer"}). Delete it in IAM by hand.");
            }

            throw;
        }

        var oldKey = config.AccessKey;
        _ = store.UpdateRootConfig(mount.Path, existing => (existing ?? config) with { AccessKey = fresh.AccessKeyId, SecretKeyCiphertext = sealedKey })
            ?? throw MountService.Gone(mount.Path);
        context.Clients.Forget(mount.Path);
        // Cached credentials were issued under the key being retired (a session_token lease is that key's own session).
        store.DeleteCachedCredentials(mount.Path);
        context.CacheFiles.ForgetMount(mount.Path);
        try
        {
            // The old key deletes itself: the new one may not have propagated yet.
            await iam.DeleteAccessKeyAsync(oldKey, user.UserName, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (context.ErrorOf(ex, user.UserName) is { } error)
        {
            EngineOperation.Events.Warning($"The new key {fresh.AccessKeyId} is stored and in use, but the old key {oldKey} could not be deleted ({error.AwsCode ?? error.Reason}). Delete it in IAM by hand.");
        }

        return RootConfigService.Info(store.GetRootConfig(mount.Path)!);
    }

    private async Task<IamAccessKey> CreateKeyAsync(IIamApi iam, string userName, CancellationToken ct)
    {
        try
        {
            return await iam.CreateAccessKeyAsync(userName, ct).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.Code == "LimitExceeded")
        {
            throw new EngineException("RootUserHasTwoKeys", ErrorKind.LimitsExceeded, userName,
                $"IAM user '{userName}' already has two access keys, the most AWS allows, so no new key can be made. Delete the one the root config does not use, then rotate again.",
                context.ErrorOf(ex, userName))
            { AwsCode = ex.Code };
        }
    }
}
