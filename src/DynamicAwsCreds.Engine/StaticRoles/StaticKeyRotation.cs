using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Mounts;
using DynamicAwsCreds.Engine.Roots;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.StaticRoles;

/// <summary>
/// Rotates the managed access key of a static role's IAM user: ListAccessKeys; delete a previous key an interrupted
/// rotation left, and, when the user holds two keys, the one that is not current; CreateAccessKey; seal and store the
/// new key as current with the old one as previous; DeleteAccessKey the old one and forget it. A failure at any step
/// leaves the stored current key working, and the next rotation finishes what was left. Callers hold the role's
/// request lock (<see cref="StaticRoleService"/>), so two rotations of one role never both create a key.
/// Deletes only access keys of the role's user, never the user.
/// </summary>
internal sealed class StaticKeyRotation(EngineContext context)
{
    /// <summary>The context a managed secret is sealed under: it cannot be moved to another role's row or key.</summary>
    public static string SecretContext(string mount, string name, string accessKeyId) => $"static_role:{mount}:{name}:{accessKeyId}";

    /// <summary>Rotates the key of <paramref name="existing"/>, or (null) takes the user's keys into management with a first key.</summary>
    public async Task<StaticRoleRecord> RotateAsync(
        string mount, string name, string userName, TimeSpan period, StaticRoleRecord? existing, CancellationToken ct)
    {
        var kmsKeyId = context.Store.GetRootConfig(mount)?.KmsKeyId;
        MountSealing.RequireKey(context, mount, kmsKeyId, MountSealing.StaticKeys);
        var iam = context.Clients.For(mount).Iam;
        EngineOperation.About(userName);
        var current = existing?.AccessKeyId;
        var held = (await iam.ListAccessKeysAsync(userName, ct).ConfigureAwait(false)).Select(k => k.AccessKeyId).ToList();
        if (existing?.PreviousAccessKeyId is { } previous)
        {
            if (held.Remove(previous))
            {
                await DeleteKeyAsync(iam, userName, previous, ct).ConfigureAwait(false);
            }

            ForgetPrevious(mount, name, previous);
        }

        if (held.Count >= 2)
        {
            var others = held.Where(k => k != current).ToList();
            if (current is null || others.Count != 1)
            {
                throw TwoKeys(userName, current is null);
            }

            EngineOperation.Events.Verbose($"IAM user '{userName}' holds two access keys; deleting {others[0]}, the one this static role does not use, to make room.");
            await DeleteKeyAsync(iam, userName, others[0], ct).ConfigureAwait(false);
        }

        var fresh = await CreateKeyAsync(iam, userName, current is null, ct).ConfigureAwait(false);
        StaticRoleRecord written;
        try
        {
            var sealedKey = MountSealing.Seal(context, mount, kmsKeyId, fresh.SecretAccessKey, SecretContext(mount, name, fresh.AccessKeyId), MountSealing.StaticKeys);
            var now = context.Now();
            written = context.Store.UpdateStaticRole(mount, name, stored => stored?.AccessKeyId == current
                    ? new StaticRoleRecord(mount, name, userName, period, fresh.AccessKeyId, sealedKey, current, now, now + period)
                    : throw StaticRoleService.Changed(mount, name))
                ?? throw MountService.Gone(mount);
        }
        catch (Exception)
        {
            await DeleteUnlessStoredAsync(iam, mount, name, userName, fresh.AccessKeyId).ConfigureAwait(false);
            throw;
        }

        EngineOperation.Events.Verbose($"Static role '{name}' now uses access key {fresh.AccessKeyId} of IAM user '{userName}'.");
        if (current is null)
        {
            return written;
        }

        try
        {
            await DeleteKeyAsync(iam, userName, current, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (context.ErrorOf(ex, userName) is { } error)
        {
            EngineOperation.Events.Warning($"Static role '{name}' uses its new key {fresh.AccessKeyId}, but the old key {current} could not be deleted ({error.AwsCode ?? error.Reason}). The next rotation deletes it.");
            return written;
        }

        return ForgetPrevious(mount, name, current) ?? written;
    }

    /// <summary>Deletes one key of the user; one already gone counts as deleted.</summary>
    private static async Task DeleteKeyAsync(IIamApi iam, string userName, string accessKeyId, CancellationToken ct)
    {
        try
        {
            await iam.DeleteAccessKeyAsync(accessKeyId, userName, ct).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.Code == "NoSuchEntity")
        {
        }
    }

    /// <summary>
    /// After a failed seal or store write: a new key the store does not hold is this rotation's own and unused, so it
    /// is deleted. When the store cannot be read it may hold the key, so the key stays: as the user's non-current key,
    /// the next rotation deletes it.
    /// </summary>
    private async Task DeleteUnlessStoredAsync(IIamApi iam, string mount, string name, string userName, string accessKeyId)
    {
        try
        {
            if (context.Store.GetStaticRole(mount, name)?.AccessKeyId == accessKeyId)
            {
                return;
            }
        }
        catch (Exception ex) when (context.ErrorOf(ex, name) is not null)
        {
            EngineOperation.Events.Warning($"The new key {accessKeyId} of IAM user '{userName}' was kept: the store could not say whether it holds it. The next rotation deletes it if unused.");
            return;
        }

        try
        {
            await DeleteKeyAsync(iam, userName, accessKeyId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AwsServiceException or AwsTransportException)
        {
            EngineOperation.Events.Warning($"The unused new key {accessKeyId} of IAM user '{userName}' could not be deleted ({(ex as AwsServiceException)?.Code ?? "no answer"}). The next rotation deletes it if the user holds two keys; or delete it in IAM by hand.");
        }
    }

    private async Task<IamAccessKey> CreateKeyAsync(IIamApi iam, string userName, bool firstKey, CancellationToken ct)
    {
        try
        {
            return await iam.CreateAccessKeyAsync(userName, ct).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.Code == "LimitExceeded")
        {
            throw TwoKeys(userName, firstKey, context.ErrorOf(ex, userName));
        }
    }

    /// <summary>Clears the previous key once it is deleted; null when the role changed or went meanwhile (nothing written).</summary>
    private StaticRoleRecord? ForgetPrevious(string mount, string name, string previous)
    {
        try
        {
            return context.Store.UpdateStaticRole(mount, name, r => r is not null && r.PreviousAccessKeyId == previous
                ? r with { PreviousAccessKeyId = null }
                : throw new NothingToWrite());
        }
        catch (NothingToWrite)
        {
            return null;
        }
    }

    private static EngineException TwoKeys(string userName, bool firstKey, Exception? inner = null) =>
        new("StaticUserHasTwoKeys", ErrorKind.LimitsExceeded, userName,
            $"IAM user '{userName}' already holds two access keys, the most AWS allows, and "
            + (firstKey ? "the static role manages neither yet" : "neither is the key the static role manages")
            + ", so no key is deleted to make room. Delete the key you no longer need in IAM, then try again. Nothing was changed.", inner)
        { AwsCode = inner is EngineException { AwsCode: { } code } ? code : null };

    private sealed class NothingToWrite : Exception;
}
