using System.Collections.Concurrent;

namespace DynamicAwsCreds.Engine.Store.Memory;

/// <summary>The request locks of a store that lives in one process: a one-slot semaphore per request key.</summary>
internal sealed class InProcessRequestLocks
{
    private static readonly TimeSpan LongestWait = TimeSpan.FromMilliseconds(int.MaxValue);

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _slots = new(StringComparer.Ordinal);

    /// <summary>As <see cref="ILeaseStore.LockRequestAsync"/>, for the threads of this process.</summary>
    public async Task<IDisposable> AcquireAsync(string key, TimeSpan timeout, Action? waiting, CancellationToken ct)
    {
        RequestKeys.Check(key);
        ct.ThrowIfCancellationRequested();
        var slot = _slots.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        if (!slot.Wait(0))
        {
            if (timeout <= TimeSpan.Zero)
            {
                throw TimedOut(key, timeout);
            }

            waiting?.Invoke();
            if (!await slot.WaitAsync(timeout < LongestWait ? timeout : LongestWait, ct).ConfigureAwait(false))
            {
                throw TimedOut(key, timeout);
            }
        }

        return new Held(slot);
    }

    private static EngineException TimedOut(string key, TimeSpan timeout) =>
        new("RequestLockTimeout", ErrorKind.OperationTimeout, key,
            $"Another request has been issuing the same credentials for over {Durations.Format(timeout)} and still holds request lock {key}. Try again.");

    private sealed class Held(SemaphoreSlim slot) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slot.Release();
            }
        }
    }
}
