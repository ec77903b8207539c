using System.Diagnostics;

namespace DynamicAwsCreds.Engine.Aws;

/// <summary>
/// IAM is eventually consistent: a user CreateUser has just made, or a policy, group membership or key just added
/// to it, can be missing from the next calls for a few seconds (NoSuchEntity, or left out of a List). Calls that
/// depend on such a change are retried with a bounded backoff: waits of 0.1 s doubling to 1 s (each between half
/// and all of that, so parallel callers spread out), for at most <see cref="DefaultBudget"/> in all.
/// </summary>
public sealed class IamPropagation
{
    /// <summary>How long a change is waited for before its absence is taken as final.</summary>
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(1);

    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private readonly TimeSpan _budget;

    /// <summary>Starts the budget now.</summary>
    public IamPropagation(TimeSpan? budget = null) => _budget = budget ?? DefaultBudget;

    /// <summary>The wait before retry number <paramref name="retry"/> (from 0), or null once it would end past the budget.</summary>
    public TimeSpan? NextWait(int retry)
    {
        var cap = Math.Min(LongestWait.TotalMilliseconds, FirstWait.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 10)));
        var wait = TimeSpan.FromMilliseconds((cap / 2) + (Random.Shared.NextDouble() * cap / 2));
        return _elapsed.Elapsed + wait < _budget ? wait : null;
    }
}
