using System.Diagnostics;

namespace DynamicAwsCreds.Engine.Aws;

/// <summary>
/// Client-side send rate that adapts to throttling (as the AWS SDKs' "adaptive" retry mode does): unlimited
/// until AWS throttles, then cut to 70% of the rate that was being sent, and raised by about one request per
/// second each second while calls succeed. Retries alone keep hammering a throttled API; this backs off as a whole.
/// </summary>
internal sealed class AdaptiveRateLimiter
{
    private const double Floor = 1;
    private readonly object _gate = new();
    private readonly Queue<long> _recentSends = new();
    private double _rate = double.PositiveInfinity;
    private long _nextSlot;

    public double Rate
    {
        get
        {
            lock (_gate)
            {
                return _rate;
            }
        }
    }

    public async ValueTask WaitAsync(CancellationToken ct)
    {
        TimeSpan wait;
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            _recentSends.Enqueue(now);
            while (_recentSends.Count > 0 && Stopwatch.GetElapsedTime(_recentSends.Peek(), now) > TimeSpan.FromSeconds(1))
            {
                _recentSends.Dequeue();
            }

            if (double.IsPositiveInfinity(_rate))
            {
                return;
            }

            var slot = Math.Max(now, _nextSlot);
            _nextSlot = slot + (long)(Stopwatch.Frequency / _rate);
            wait = Stopwatch.GetElapsedTime(now, slot);
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, ct).ConfigureAwait(false);
        }
    }

    public void OnThrottled()
    {
        lock (_gate)
        {
            var sending = Math.Max(Floor, _recentSends.Count);
            _rate = Math.Max(Floor, Math.Min(_rate, sending) * 0.7);
        }
    }

    public void OnSuccess()
    {
        lock (_gate)
        {
            if (!double.IsPositiveInfinity(_rate))
            {
                _rate += 1.0 / _rate;
            }
        }
    }
}
