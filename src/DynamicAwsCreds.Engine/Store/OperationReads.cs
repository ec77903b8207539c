using System.Collections.Concurrent;
using System.Diagnostics;

namespace DynamicAwsCreds.Engine.Store;

/// <summary>
/// The records one operation has read (mounts, root and lease config, roles), each read once however often the
/// operation asks, so that over a network a repeated read costs no second round trip. Safe for the operation's parallel
/// work: callers asking for one key while it is being read wait for that read. A failed read is not kept, and a read
/// older than <see cref="MaxAge"/> is made again, so a long operation (a prefix revoke) still sees another process's
/// change (a rotated root key) soon after it is made.
/// Only what describes a mount is kept here; what guards an atomic step (whether a mount takes leases, leases) is
/// always read afresh, and <see cref="Forget"/> is called after every write of a kept kind.
/// </summary>
internal sealed class OperationReads
{
    /// <summary>How long a kept read serves: far longer than an issue or a single revoke takes.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);

    private static readonly AsyncLocal<OperationReads?> Ambient = new();

    private readonly ConcurrentDictionary<string, Lazy<(object? Value, long ReadAt)>> _reads = new(StringComparer.Ordinal);

    /// <summary>The reads of the operation under way; null outside one (every read then goes to the store).</summary>
    public static OperationReads? Current => Ambient.Value;

    /// <summary>Starts a new, empty set of reads for the async flow until the returned scope is disposed.</summary>
    public static Scope Begin()
    {
        var previous = Ambient.Value;
        Ambient.Value = new OperationReads();
        return new Scope(previous);
    }

    /// <summary>What <paramref name="read"/> returns for <paramref name="key"/>: read on the first ask, kept for the rest of the operation.</summary>
    public T Get<T>(string key, Func<T> read)
    {
        while (true)
        {
            var entry = _reads.GetOrAdd(key, _ => new Lazy<(object?, long)>(() => (read(), Stopwatch.GetTimestamp()), LazyThreadSafetyMode.ExecutionAndPublication));
            (object? Value, long ReadAt) kept;
            try
            {
                kept = entry.Value;
            }
            catch
            {
                _reads.TryRemove(KeyValuePair.Create(key, entry));
                throw;
            }

            if (Stopwatch.GetElapsedTime(kept.ReadAt) <= MaxAge)
            {
                return (T)kept.Value!;
            }

            _reads.TryRemove(KeyValuePair.Create(key, entry));
        }
    }

    /// <summary>Forgets every kept read; a read under way when this is called reaches only its own callers.</summary>
    public void Forget() => _reads.Clear();

    public readonly struct Scope(OperationReads? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
