using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Shared;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>Reads a store's credential_process cache entries as the native helper would: the file, its fields, its sealed secrets.</summary>
internal static class CacheFileChecks
{
    /// <summary>Roles "dev" and "ops" (iam_user, ReadOnlyAccess) on the default mount.</summary>
    public static void AddRoles(CredsEngine engine)
    {
        foreach (var role in new[] { "dev", "ops" })
        {
            engine.SetRole(null, role, new RoleInput { PolicyArns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"] });
        }
    }

    public static string EntryPath(string storePath, string mount, string role) =>
        Path.Combine(CredentialProcessCache.CacheFolder(storePath), CredentialProcessCache.EntryName(mount, role));

    /// <summary>The entry of the request, or null when there is no file.</summary>
    public static CacheEntry? Read(string storePath, string mount, string role)
    {
        var path = EntryPath(storePath, mount, role);
        return File.Exists(path) ? Assert.IsType<CacheEntry>(CredentialProcessCache.TryRead(File.ReadAllBytes(path))) : null;
    }

    /// <summary>The entry's secrets, opened with the store's key file.</summary>
    public static (string Secret, string? Token) Open(string storePath, string mount, string role)
    {
        var entry = Read(storePath, mount, role)!;
        var context = CredentialProcessCache.SealingContext(CredentialProcessCache.EntryName(mount, role), entry);
        var json = CredentialProcessCache.TryOpen(File.ReadAllBytes(CredentialProcessCache.KeyFile(storePath)), entry.Sealed, context);
        Assert.NotNull(json);
        Assert.True(CredentialProcessCache.TryReadSecrets(json, out var secret, out var token));
        return (secret, token);
    }
}
