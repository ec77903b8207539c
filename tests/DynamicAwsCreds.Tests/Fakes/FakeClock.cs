namespace DynamicAwsCreds.Tests.Fakes;

/// <summary>
/// A clock a test sets and moves by hand. Its timers (Task.Delay with this clock, the engine's heartbeats) fire only
/// when <see cref="Advance"/> moves the clock past them, never by wall time.
/// </summary>
public sealed class FakeClock(DateTimeOffset now) : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<FakeTimer> _timers = [];
    private DateTimeOffset _now = now;

    public DateTimeOffset Now
    {
        get { lock (_gate) return _now; }
        set
        {
            lock (_gate) _now = value;
        }
    }

    public override DateTimeOffset GetUtcNow() => Now;

    /// <summary>Moves the clock on and fires every timer that came due, in due order.</summary>
    public void Advance(TimeSpan by)
    {
        DateTimeOffset target;
        lock (_gate) target = _now + by;
        while (true)
        {
            FakeTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.Due is { } d && d <= target).MinBy(t => t.Due);
                if (next is null)
                {
                    _now = target;
                    return;
                }

                if (next.Due > _now)
                {
                    _now = next.Due!.Value;
                }

                next.Due = next.Period is { } p ? _now + p : null;
            }

            next.Fire();
        }
    }

    /// <summary>Timers not yet fired or disposed.</summary>
    public int PendingTimers
    {
        get { lock (_gate) return _timers.Count(t => t.Due is not null); }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        timer.Change(dueTime, period);
        lock (_gate) _timers.Add(timer);
        return timer;
    }

    private sealed class FakeTimer(FakeClock clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due { get; set; }

        public TimeSpan? Period { get; set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock._now + dueTime;
                Period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : period;
            }

            return true;
        }

        public void Dispose()
        {
            lock (clock._gate)
            {
                Due = null;
                clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
