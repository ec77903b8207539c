namespace DynamicAwsCreds.Engine;

internal static class TaskGroup
{
    /// <summary>Waits for every task, so nothing is left in flight, then rethrows the first failure itself (not an AggregateException).</summary>
    public static async Task WhenAllThenFirstError(IReadOnlyList<Task> tasks)
    {
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            await tasks.First(t => t.IsFaulted || t.IsCanceled).ConfigureAwait(false);
            throw;
        }
    }
}
