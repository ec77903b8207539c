using System.Diagnostics;

namespace DynamicAwsCreds.Engine.Store.DynamoDb;

/// <summary>
/// The lock of one request key across hosts: the item (lock, &lt;key&gt;) with its holder (a random token) and a
/// deadline. It is taken with a conditional put (no such item, or its deadline has passed), moved on while held, and
/// deleted on release only if this holder still has it. A holder that dies stops moving its deadline on, so the lock
/// frees itself once the deadline passes. Waiters poll.
/// </summary>
internal sealed class TableRequestLock : IDisposable
{
    /// <summary>How long a lock lasts without being moved on; a holder moves it on three times as often.</summary>
    internal static readonly TimeSpan HoldFor = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromMilliseconds(500);

    private readonly StoreTable _table;
    private readonly string _key;
    private readonly string _holder = StoreIds.New();
    private readonly Timer _renewal;
    private int _released;

    private TableRequestLock(StoreTable table, string key)
    {
        _table = table;
        _key = key;
        _renewal = new Timer(_ => Renew(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>As <see cref="ILeaseStore.LockRequestAsync"/>, for every host using the table.</summary>
    public static async Task<IDisposable> AcquireAsync(StoreTable table, string key, TimeSpan timeout, Action? waiting, CancellationToken ct)
    {
        RequestKeys.Check(key);
        var held = new TableRequestLock(table, key);
        var started = Stopwatch.GetTimestamp();
        var delay = FirstRetry;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (await held.TryTakeAsync(ct).ConfigureAwait(false))
            {
                var every = HoldFor / 3;
                held._renewal.Change(every, every);
                return held;
            }

            if (Stopwatch.GetElapsedTime(started) >= timeout)
            {
                throw new EngineException("RequestLockTimeout", ErrorKind.OperationTimeout, key,
                    $"Another request has been issuing the same credentials for over {Durations.Format(timeout)} and still holds request lock {key} in table '{table.Name}'. Try again.");
            }

            if (delay == FirstRetry)
            {
                waiting?.Invoke();
            }

            var left = timeout - Stopwatch.GetElapsedTime(started);
            await Task.Delay(left > TimeSpan.Zero && left < delay ? left : delay, ct).ConfigureAwait(false);
            delay = delay * 2 < LongestRetry ? delay * 2 : LongestRetry;
        }
    }

    private Task<bool> TryTakeAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var item = new Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>(StoreTable.Key(ItemMapping.LockPk, _key))
        {
            ["holder"] = Attr.S(_holder),
            ["deadline"] = Attr.Time(now + HoldFor),
        };
        var free = Expr.When("attribute_not_exists(#pk) OR #deadline < :now").Named(Attr.Pk, "deadline").Value(":now", Attr.Time(now));
        return Task.Run(() => _table.Put(item, free), ct);
    }

    private void Renew()
    {
        if (Volatile.Read(ref _released) != 0)
        {
            return;
        }

        try
        {
            _table.Update(ItemMapping.LockPk, _key, new Expr("SET #deadline = :deadline", "#holder = :me")
                .Named("deadline", "holder").Value(":deadline", Attr.Time(DateTimeOffset.UtcNow + HoldFor)).Value(":me", Attr.S(_holder)));
        }
        catch (EngineException)
        {
            // The next tick tries again; until the deadline passes the lock stays this holder's.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        _renewal.Dispose();
        try
        {
            _table.Delete(ItemMapping.LockPk, _key, Expr.When("#holder = :me").Named("holder").Value(":me", Attr.S(_holder)));
        }
        catch (EngineException)
        {
            // Unreachable now: the lock frees itself when its deadline passes.
        }
    }
}
