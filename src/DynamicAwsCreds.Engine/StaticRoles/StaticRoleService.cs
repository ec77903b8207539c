using System.Security.Cryptography;
using System.Text;
using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Mounts;
using DynamicAwsCreds.Engine.Roots;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.StaticRoles;

/// <summary>
/// Vault's static-roles/:name and static-creds/:name: the module manages the access key of an existing IAM user and
/// rotates it on a period. Every write of a role's key happens under the role's request lock, shared by every
/// process and host using the store, so two rotations of one role never both create a key.
/// </summary>
internal sealed class StaticRoleService(EngineContext context, MountService mounts)
{
    private readonly StaticKeyRotation _rotation = new(context);

    /// <summary>How long a rotation waits for another one of the same role to finish.</summary>
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Set-AwsStaticRole's checks that need no AWS call: the mount, the name, the user name, the period, and for a new role a key to seal with.</summary>
    public (MountRecord Mount, StaticRoleRecord? Existing) Check(string? path, string name, string userName, TimeSpan period)
    {
        var mount = mounts.Require(path);
        StaticRoleRules.ValidateName(name);
        StaticRoleRules.ValidateUserName(userName);
        StaticRoleRules.ValidateRotationPeriod(period);
        var existing = context.Store.GetStaticRole(mount.Path, name);
        if (existing is not null && existing.UserName != userName)
        {
            throw new EngineException("StaticRoleUserChanged", ErrorKind.InvalidOperation, userName,
                $"Static role '{name}' manages IAM user '{existing.UserName}', not '{userName}'. To manage another user, remove the role (Remove-AwsStaticRole {name}) and set it again. Nothing was changed.");
        }

        if (existing is null)
        {
            // A shared store without a KMS key could not seal the first key: refused before any AWS call.
            MountSealing.RequireKey(context, mount.Path, context.Store.GetRootConfig(mount.Path)?.KmsKeyId, MountSealing.StaticKeys);
        }

        return (mount, existing);
    }

    /// <summary>
    /// Creates the static role (GetUser, then the first managed key) or changes its rotation period (the next
    /// rotation moves to the last rotation plus the new period).
    /// </summary>
    public async Task<StaticRole> SetAsync(string? path, string name, string userName, TimeSpan period, CancellationToken ct)
    {
        var (mount, _) = Check(path, name, userName, period);
        using var held = await LockAsync(mount.Path, name, ct).ConfigureAwait(false);
        var (_, existing) = Check(mount.Path, name, userName, period);
        if (existing is not null)
        {
            var changed = context.Store.UpdateStaticRole(mount.Path, name, r => r is null
                    ? throw Changed(mount.Path, name)
                    : r with { RotationPeriod = period, NextRotation = r.LastRotated + period })
                ?? throw MountService.Gone(mount.Path);
            return StaticRole.Of(changed);
        }

        await RequireUserAsync(mount.Path, userName, ct).ConfigureAwait(false);
        return StaticRole.Of(await _rotation.RotateAsync(mount.Path, name, userName, period, existing: null, ct).ConfigureAwait(false));
    }

    public IReadOnlyList<StaticRole> List(string? path) =>
        context.Store.ListStaticRoles(mounts.Require(path).Path).Select(StaticRole.Of).ToList();

    public StaticRole Get(string? path, string name) => StaticRole.Of(Require(path, name));

    /// <summary>Forgets the role; the IAM user and its current key stay as they are.</summary>
    public void Remove(string? path, string name)
    {
        var role = Require(path, name);
        if (!context.Store.DeleteStaticRole(role.Mount, role.Name))
        {
            throw NotFound(role.Mount, name);
        }
    }

    /// <summary>Vault's static-creds: the current key, rotated first when its period has passed.</summary>
    public async Task<StaticCredential> GetCredentialAsync(string? path, string name, CancellationToken ct)
    {
        var role = Require(path, name);
        if (role.NextRotation <= context.Now())
        {
            role = await RotateAsync(role.Mount, name, onlyWhenDue: true, ct).ConfigureAwait(false);
        }

        var secret = context.Sealer.Open(role.SecretKeyCiphertext, StaticKeyRotation.SecretContext(role.Mount, role.Name, role.AccessKeyId));
        return new StaticCredential(role.Mount, role.Name, role.UserName, role.AccessKeyId, secret, role.LastRotated, role.NextRotation);
    }

    /// <summary>Update-AwsStaticCredential: rotates the role's key now.</summary>
    public async Task<StaticRole> RotateNowAsync(string? path, string name, CancellationToken ct) =>
        StaticRole.Of(await RotateAsync(Require(path, name).Mount, name, onlyWhenDue: false, ct).ConfigureAwait(false));

    /// <summary>Update-AwsStaticCredential -Due: rotates every static role (of one mount, or all) whose period has passed; one failure does not stop the rest.</summary>
    public async Task<StaticRotationSummary> RotateDueAsync(string? path, CancellationToken ct)
    {
        var mount = path is null ? null : mounts.Require(path).Path;
        var due = context.Store.ListDueStaticRoles(context.Now()).Where(r => mount is null || r.Mount == mount).ToList();
        var outcomes = new List<StaticRotationOutcome>();
        foreach (var role in due)
        {
            ct.ThrowIfCancellationRequested();
            EngineOperation.Events.Progress(outcomes.Count, due.Count, $"Rotating static role {role.Mount}/{role.Name}");
            try
            {
                var rotated = await RotateAsync(role.Mount, role.Name, onlyWhenDue: true, ct).ConfigureAwait(false);
                outcomes.Add(new StaticRotationOutcome(role.Mount, role.Name, rotated.AccessKeyId, null));
            }
            catch (Exception ex) when (ex is not OperationCanceledException && context.ErrorOf(ex, role.Name) is { } error)
            {
                outcomes.Add(new StaticRotationOutcome(role.Mount, role.Name, null, error));
            }
        }

        return new StaticRotationSummary(outcomes.Count(o => o.Error is null), outcomes.Count(o => o.Error is not null), outcomes);
    }

    /// <summary>Under the role's lock, reads it afresh and rotates it (when <paramref name="onlyWhenDue"/>, only if still due: another process may have just done it).</summary>
    private async Task<StaticRoleRecord> RotateAsync(string mount, string name, bool onlyWhenDue, CancellationToken ct)
    {
        using var held = await LockAsync(mount, name, ct).ConfigureAwait(false);
        var role = context.Store.GetStaticRole(mount, name) ?? throw NotFound(mount, name);
        return onlyWhenDue && role.NextRotation > context.Now()
            ? role
            : await _rotation.RotateAsync(mount, name, role.UserName, role.RotationPeriod, role, ct).ConfigureAwait(false);
    }

    private Task<IDisposable> LockAsync(string mount, string name, CancellationToken ct) =>
        context.Store.LockRequestAsync(LockKey(mount, name), LockTimeout,
            () => EngineOperation.Events.Verbose($"Waiting for another process rotating static role '{name}'."), ct);

    /// <summary>The request key of a static role: its own, never one a credential request could have.</summary>
    public static string LockKey(string mount, string name) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"static_role\n{mount}\n{name}")));

    private async Task RequireUserAsync(string mount, string userName, CancellationToken ct)
    {
        try
        {
            _ = await context.Clients.For(mount).Iam.GetUserAsync(userName, ct).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.Code == "NoSuchEntity")
        {
            throw new EngineException("StaticUserNotFound", ErrorKind.ObjectNotFound, userName,
                $"There is no IAM user '{userName}' in the account of '{mount}'s root credentials. A static role manages the key of an existing user; create the user first. Nothing was changed.",
                context.ErrorOf(ex, userName))
            { AwsCode = ex.Code };
        }
    }

    private StaticRoleRecord Require(string? path, string name)
    {
        var mount = mounts.Require(path);
        StaticRoleRules.ValidateName(name);
        return context.Store.GetStaticRole(mount.Path, name) ?? throw NotFound(mount.Path, name);
    }

    private static EngineException NotFound(string mount, string name) =>
        new("StaticRoleNotFound", ErrorKind.ObjectNotFound, name,
            $"There is no static role '{name}' in the secrets engine at '{mount}'. Create it with Set-AwsStaticRole {name} -UserName <IAM user> -RotationPeriod <duration>{(mount == Mount.DefaultPath ? string.Empty : $" -Mount {mount}")}, or list static roles with Get-AwsStaticRole.");

    /// <summary>The role was removed, or its key rotated, by another process between the read and the write.</summary>
    internal static EngineException Changed(string mount, string name) =>
        new("StaticRoleChanged", ErrorKind.ResourceBusy, name,
            $"Static role '{name}' of '{mount}' was removed or rotated by another process while this command ran. Nothing was changed; run it again.");
}
