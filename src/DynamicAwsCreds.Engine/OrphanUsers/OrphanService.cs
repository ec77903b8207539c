using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Mounts;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Roles;

namespace DynamicAwsCreds.Engine.OrphanUsers;

/// <summary>Get-AwsOrphanUser and Remove-AwsOrphanUser: IAM users this module named that no lease of this store knows.</summary>
internal sealed class OrphanService(EngineContext context, MountService mounts, RoleService roles)
{
    /// <summary>
    /// IAM users under the mount's user paths, named with its username template's literal prefix, that no lease
    /// in this store knows, each with its <see cref="OrphanReason"/> read from its ownership marker.
    /// </summary>
    public async Task<IReadOnlyList<OrphanUser>> FindAsync(string? path, CancellationToken ct)
    {
        var mount = mounts.Require(path);
        var iam = context.Clients.For(mount.Path).Iam;
        var userPaths = roles.List(mount.Path).Select(r => r.UserPath ?? "/").Distinct(StringComparer.Ordinal).DefaultIfEmpty("/").ToList();
        var prefix = NamePrefix(mount.Path);
        EngineOperation.About(mount.Path);
        return await Orphans.FindAsync(iam, context.Store, context.Owners, prefix, userPaths.Count == 1 ? userPaths[0] : "/", context.Now(), ct).ConfigureAwait(false);
    }

    /// <summary>Deletes an orphan, after reading its marker afresh: only Abandoned and Expired users are removed.</summary>
    public async Task<RevokeOutcome> RemoveAsync(string? path, string userName, CancellationToken ct)
    {
        var mount = mounts.Require(path);
        var prefix = NamePrefix(mount.Path);
        if (userName.Length is 0 or > StsNames.IamUserNameMaxLength || !userName.StartsWith(prefix, StringComparison.Ordinal) || !StsNames.IsPrincipalName(userName))
        {
            throw new EngineException("NotAnIssuedUser", ErrorKind.InvalidArgument, userName,
                $"'{userName}' is not named as this module names IAM users ('{prefix}…', at most 64 characters), so it is not removed. Delete other users with AWS's own tools.");
        }

        if (context.Store.ListLeaseUserNames().Contains(userName))
        {
            throw UserHasLease(userName);
        }

        var iam = context.Clients.For(mount.Path).Iam;
        EngineOperation.About(userName);
        IamUser user;
        try
        {
            user = await iam.GetUserAsync(userName, ct).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.IsNoSuchEntity)
        {
            return new RevokeOutcome(userName, RevokeStatus.AlreadyGone, userName, null);
        }

        var orphan = await Orphans.ClassifyAsync(iam, context.Store, context.Owners, user, context.Now(), ct).ConfigureAwait(false) ?? throw UserHasLease(userName);
        if (!orphan.Removable)
        {
            throw new EngineException("NotOwned", ErrorKind.PermissionDenied, userName, orphan.Marker is { } m
                ? $"IAM user '{userName}' belongs to a live lease of another store ({m.StoreId}, lease {m.LeaseId}, until {m.Expiry:u}), so it was left untouched. Revoke it from that store, or remove it here after it expires."
                : $"IAM user '{userName}' carries no DynamicAwsCreds ownership marker (a real Vault's user, one made by hand, or one issued before markers existed), so nothing proves this module made it and it was left untouched. Delete it with AWS's own tools if you are sure.");
        }

        var result = await Revoker.DeleteUserAsync(iam, userName, ct, propagationBudget: context.PropagationBudget).ConfigureAwait(false);
        return new RevokeOutcome(userName, result == UserCleanup.Deleted ? RevokeStatus.Revoked : RevokeStatus.AlreadyGone, userName, null);
    }

    /// <summary>The literal start of the names the mount's username template gives.</summary>
    private string NamePrefix(string mount) => Orphans.NamePrefix(context.Store.GetRootConfig(mount)?.UsernameTemplate);

    private static EngineException UserHasLease(string userName) =>
        new("UserHasLease", ErrorKind.InvalidOperation, userName,
            $"IAM user '{userName}' belongs to a lease in this store; revoke the lease with Revoke-Lease instead.");
}
