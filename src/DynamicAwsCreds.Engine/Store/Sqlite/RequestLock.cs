using System.Diagnostics;

namespace DynamicAwsCreds.Engine.Store.Sqlite;

/// <summary>
/// An exclusive lock on one request key, shared by every process and thread using a store: the file
/// <c>locks/&lt;key&gt;.lock</c> beside the store, held open with <see cref="FileShare.None"/> (an flock on Unix,
/// a sharing lock on Windows). The OS releases it when its holder exits, however it exits, so a crash
/// never leaves a stale lock. Lock files are never deleted: deleting one while another process waits
/// on it would let two holders lock two different files of one name.
/// </summary>
public sealed class RequestLock : IDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromMilliseconds(200);

    private readonly FileStream _file;

    private RequestLock(FileStream file) => _file = file;

    /// <summary>The lock file of <paramref name="key"/> (hex digits only) for the store at <paramref name="storePath"/>.</summary>
    public static string PathFor(string storePath, string key) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(storePath)!, "locks", key + ".lock");

    /// <summary>
    /// Takes the lock, waiting while another holder has it: at most <paramref name="timeout"/>
    /// (then DynamicAwsCreds.RequestLockTimeout), or until <paramref name="ct"/> is cancelled.
    /// <paramref name="waiting"/> is called once, when the lock is found taken.
    /// </summary>
    public static async Task<RequestLock> AcquireAsync(string storePath, string key, TimeSpan timeout, Action? waiting, CancellationToken ct)
    {
        RequestKeys.Check(key);
        var path = PathFor(storePath, key);
        StoreFiles.EnsurePrivateFolder(System.IO.Path.GetDirectoryName(path)!);
        var started = Stopwatch.GetTimestamp();
        var delay = FirstRetry;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                return new RequestLock(new FileStream(path, StoreFiles.PrivateFileOptions(FileMode.OpenOrCreate)));
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or DirectoryNotFoundException or FileNotFoundException or PathTooLongException)
            {
                throw new EngineException("StoreUnavailable", ErrorKind.PermissionDenied, path,
                    $"The lock file '{path}' cannot be opened: {ex.Message}", ex);
            }
            catch (IOException) when (Stopwatch.GetElapsedTime(started) < timeout)
            {
                // Held by another process or thread (EWOULDBLOCK on Unix, a sharing violation on Windows).
                if (delay == FirstRetry)
                {
                    waiting?.Invoke();
                }

                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = delay * 2 < LongestRetry ? delay * 2 : LongestRetry;
            }
            catch (IOException ex)
            {
                throw new EngineException("RequestLockTimeout", ErrorKind.OperationTimeout, path,
                    $"Another process has been issuing the same credentials for over {Durations.Format(timeout)} and still holds '{path}'. Try again; if it stays stuck, find and stop that process.", ex);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
