using System.Collections.Concurrent;

namespace DynamicAwsCreds.Tests.Store;

/// <summary>Work raced from many threads, released at one moment so their steps overlap.</summary>
internal static class Together
{
    /// <summary>Runs <paramref name="work"/> on <paramref name="threads"/> threads released together; their results, or every exception.</summary>
    public static T[] Run<T>(int threads, Func<int, T> work)
    {
        var results = new T[threads];
        var errors = new ConcurrentQueue<Exception>();
        using var start = new ManualResetEventSlim();
        var all = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            start.Wait();
            try
            {
                results[i] = work(i);
            }
            catch (Exception ex)
            {
                errors.Enqueue(ex);
            }
        })).ToList();
        all.ForEach(t => t.Start());
        start.Set();
        all.ForEach(t => t.Join());
        return errors.IsEmpty ? results : throw new AggregateException(errors);
    }
}
