using System.Diagnostics;

namespace DynamicAwsCreds.CredentialProcess;

/// <summary>
/// The cross-process lock a helper holds while it hands a request over: <c>&lt;cache folder&gt;/&lt;key&gt;.lock</c>,
/// opened exclusively (an flock on Unix, a sharing lock on Windows). Another helper waits for it, then finds the
/// answer the first one's PowerShell cached.
/// </summary>
internal static class RequestLock
{
    // Longer than an issue takes, including waiting for AWS to accept a new key; past it the hand-over goes ahead
    // without the lock (Export-AwsCredential -Cache still issues one lease, under the store's own request lock).
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// The held lock, or null when there is none to take: a store with no cache folder, a cache folder that is not
    /// private (<see cref="PrivateFiles"/>), a lock path that is a link, or the wait ran out. A missing cache folder is
    /// made (owner-only) in a private store folder.
    /// </summary>
    public static FileStream? Take(CacheSite site)
    {
        if (site.StoreFolder is null || site.CacheFolder is null || site.LockPath is null || !PrivateFiles.IsPrivateFolder(site.StoreFolder))
        {
            return null;
        }

        try
        {
            if (!Directory.Exists(site.CacheFolder) && !File.Exists(site.CacheFolder))
            {
                CreatePrivateFolder(site.CacheFolder);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (!PrivateFiles.IsPrivateFolder(site.CacheFolder))
        {
            return null;
        }

        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (new FileInfo(site.LockPath).LinkTarget is not null)
                {
                    return null;
                }

                return new FileStream(site.LockPath, options);
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
            catch (IOException) when (waited.Elapsed < MaxWait)
            {
                // Another helper holds it.
                Thread.Sleep(Poll);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    private static void CreatePrivateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
