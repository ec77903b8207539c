using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Mounts;
using DynamicAwsCreds.Engine.Roots;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Roles;

/// <summary>Vault's roles/:name: the named recipes credentials are issued from.</summary>
internal sealed class RoleService(EngineContext context, MountService mounts, RootConfigService roots)
{
    /// <summary>Set-AwsRole: creates the role or changes only what is given, in one store transaction.</summary>
    public Role Set(string? path, string name, RoleInput input)
    {
        var mount = mounts.Require(path);
        RoleRules.ValidateName(name);
        Role? role = null;
        _ = context.Store.UpdateRole(mount.Path, name, existing =>
        {
            role = RoleRules.Apply(mount.Path, name, existing is null ? null : Role.FromJson(existing.DefinitionJson, existing.UpdatedAt), input, context.Now());
            RoleRules.CheckPartition(role, roots.Region(mount.Path), ErrorKind.InvalidArgument);
            return new RoleRecord(mount.Path, name, role.ToJson(), role.UpdatedAt);
        }) ?? throw MountService.Gone(mount.Path);
        context.Store.DeleteCachedCredentials(mount.Path, name);
        context.CacheFiles.Forget(mount.Path, name);
        return role!;
    }

    /// <summary>The role <see cref="Set"/> would write, checked as it checks it, written nowhere.</summary>
    public Role Preview(string? path, string name, RoleInput input)
    {
        var mount = mounts.Require(path);
        var existing = context.Store.GetRole(mount.Path, RoleRules.ValidateName(name));
        var role = RoleRules.Apply(mount.Path, name, existing is null ? null : Role.FromJson(existing.DefinitionJson, existing.UpdatedAt), input, context.Now());
        RoleRules.CheckPartition(role, roots.Region(mount.Path), ErrorKind.InvalidArgument);
        return role;
    }

    public IReadOnlyList<Role> List(string? path) =>
        context.Store.ListRoles(mounts.Require(path).Path).Select(r => Role.FromJson(r.DefinitionJson, r.UpdatedAt)).ToList();

    public Role Get(string? path, string name)
    {
        var mount = mounts.Require(path);
        RoleRules.ValidateName(name);
        return context.Store.GetRole(mount.Path, name) is { } r ? Role.FromJson(r.DefinitionJson, r.UpdatedAt) : throw NotFound(mount.Path, name);
    }

    public void Remove(string? path, string name)
    {
        var mount = mounts.Require(path);
        RoleRules.ValidateName(name);
        if (!context.Store.DeleteRole(mount.Path, name))
        {
            throw NotFound(mount.Path, name);
        }

        context.Store.DeleteCachedCredentials(mount.Path, name);
        context.CacheFiles.Forget(mount.Path, name);
    }

    private static EngineException NotFound(string mount, string name) =>
        new("RoleNotFound", ErrorKind.ObjectNotFound, name,
            $"There is no role '{name}' in the secrets engine at '{mount}'. Create it with Set-AwsRole {name} -PolicyArn <arn>{(mount == Mount.DefaultPath ? string.Empty : $" -Path {mount}")}, or list roles with Get-AwsRole.");
}
