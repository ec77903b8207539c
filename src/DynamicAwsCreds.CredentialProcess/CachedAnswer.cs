using System.Security.Cryptography;
using DynamicAwsCreds.Shared;

namespace DynamicAwsCreds.CredentialProcess;

/// <summary>A cached credential_process answer: the credentials of a lease and when it ends.</summary>
internal sealed record CachedAnswer(string AccessKeyId, string SecretAccessKey, string? SessionToken, DateTimeOffset Expires)
{
    // An entry is a few hundred bytes (an STS session token makes it a few KB); anything far larger is not one.
    private const int MaxEntryBytes = 64 * 1024;
    private const int KeyBytes = 32;

    /// <summary>
    /// The request's cached answer, when its entry is there, private, whole, of this format, for this request, unsealed
    /// by the store's key file, and still reusable (<see cref="CredentialProcessCache.IsReusable"/>); otherwise null.
    /// </summary>
    public static CachedAnswer? TryRead(CacheSite site, HelperArguments request, DateTimeOffset now)
    {
        if (site.StoreFolder is null || site.CacheFolder is null || site.KeyFile is null || site.EntryPath is null
            || !PrivateFiles.IsPrivateFolder(site.StoreFolder) || !PrivateFiles.IsPrivateFolder(site.CacheFolder))
        {
            return null;
        }

        var bytes = PrivateFiles.TryRead(site.EntryPath, MaxEntryBytes);
        var entry = bytes is null ? null : CredentialProcessCache.TryRead(bytes);
        if (entry is null || entry.Mount.Trim('/') != request.Mount.Trim('/') || entry.Role != request.Role
            || !CredentialProcessCache.IsReusable(entry.TermStart, entry.Expires, now))
        {
            return null;
        }

        var key = PrivateFiles.TryRead(site.KeyFile, KeyBytes);
        if (key is null)
        {
            return null;
        }

        var secrets = CredentialProcessCache.TryOpen(key, entry.Sealed, CredentialProcessCache.SealingContext(site.EntryName, entry));
        CryptographicOperations.ZeroMemory(key);
        if (secrets is null)
        {
            return null;
        }

        try
        {
            return CredentialProcessCache.TryReadSecrets(secrets, out var secretAccessKey, out var sessionToken)
                ? new CachedAnswer(entry.AccessKeyId, secretAccessKey, sessionToken, entry.Expires)
                : null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secrets);
        }
    }
}
