using DynamicAwsCreds.Shared;

namespace DynamicAwsCreds.CredentialProcess;

/// <summary>
/// Where one request's answer may be cached: the store the request goes to, and, for a SQLite store, its folder
/// (resolved once when it is reached through a symbolic link), its key file, its cache folder, the request's entry
/// and the lock a hand-over holds. The paths below the store folder are never followed through a link (see <see cref="PrivateFiles"/>).
/// </summary>
internal sealed class CacheSite
{
    private CacheSite(string storeSetting, string? storeFolder, string? storeFile, string entryName)
    {
        StoreSetting = storeSetting;
        StoreFolder = storeFolder;
        EntryName = entryName;
        if (storeFolder is not null && storeFile is not null)
        {
            var inFolder = Path.Combine(storeFolder, storeFile);
            KeyFile = CredentialProcessCache.KeyFile(inFolder);
            CacheFolder = CredentialProcessCache.CacheFolder(inFolder);
        }
    }

    /// <summary>What the hand-over puts in DYNAMICAWSCREDS_STORE: the store's full path, or the URI as given.</summary>
    public string StoreSetting { get; }

    /// <summary>The SQLite store's folder, its links resolved; null for a store with no cache files (a DynamoDB table).</summary>
    public string? StoreFolder { get; }

    /// <summary>The store's key file, which seals every entry; null without a store folder.</summary>
    public string? KeyFile { get; }

    /// <summary>The folder of the store's cache entries; null without a store folder.</summary>
    public string? CacheFolder { get; }

    /// <summary>The request's entry file name (<see cref="CredentialProcessCache.EntryName"/>), part of what its secrets are sealed with.</summary>
    public string EntryName { get; }

    public string? EntryPath => CacheFolder is null ? null : Path.Combine(CacheFolder, EntryName);

    public string? LockPath => CacheFolder is null ? null : Path.Combine(CacheFolder, Path.ChangeExtension(EntryName, ".lock"));

    /// <summary>
    /// The site of <paramref name="arguments"/>' request: the store is --store, else DYNAMICAWSCREDS_STORE, else the
    /// per-user store. A <c>scheme://</c> location (a shared DynamoDB store) has no cache files: every request is
    /// handed over, and PowerShell judges the location. So is a value that is no usable file path.
    /// </summary>
    public static CacheSite For(HelperArguments arguments)
    {
        var entryName = CredentialProcessCache.EntryName(arguments.Mount, arguments.Role);
        var setting = arguments.Store ?? Environment.GetEnvironmentVariable("DYNAMICAWSCREDS_STORE");
        if (string.IsNullOrWhiteSpace(setting))
        {
            setting = StorePaths.PerUserStorePath();
        }

        if (HasScheme(setting))
        {
            return new CacheSite(setting, null, null, entryName);
        }

        string full;
        try
        {
            full = Path.GetFullPath(setting);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return new CacheSite(setting, null, null, entryName);
        }

        if (Path.EndsInDirectorySeparator(full))
        {
            return new CacheSite(full, null, null, entryName);
        }

        return new CacheSite(full, ResolveFolder(Path.GetDirectoryName(full)!), Path.GetFileName(full), entryName);
    }

    // The store folder may itself be a link (a data folder moved elsewhere): it is resolved here, once.
    private static string? ResolveFolder(string folder)
    {
        try
        {
            return Directory.ResolveLinkTarget(folder, returnFinalTarget: true)?.FullName ?? folder;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    // As the engine reads DYNAMICAWSCREDS_STORE: a letter, then letters, digits, '+', '.' or '-', then "://"; two or more
    // characters before it, so a Windows drive ("C://x") stays a path.
    private static bool HasScheme(string value)
    {
        var end = value.IndexOf("://", StringComparison.Ordinal);
        if (end < 2 || !char.IsAsciiLetter(value[0]))
        {
            return false;
        }

        foreach (var c in value.AsSpan(1, end - 1))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
