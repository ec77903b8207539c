namespace DynamicAwsCreds.Engine;

/// <summary>
/// Where every public call of <see cref="CredsEngine"/> runs: it makes the call's <see cref="EngineOperation"/>
/// current, and each failure <see cref="EngineErrors"/> knows leaves as an EngineException with a reason. A stop
/// asked for through the caller's own token stays an OperationCanceledException; anything else (a bug) leaves as
/// it is, for the caller's last-resort handler.
/// </summary>
internal sealed class EngineBoundary(string storeLocation)
{
    /// <param name="target">What an AWS failure is about until the call says otherwise (<see cref="EngineOperation.About"/>).</param>
    public async Task<T> RunAsync<T>(object? target, IOperationEvents? events, CancellationToken ct, Func<Task<T>> call)
    {
        using var scope = EngineOperation.Begin(events, target);
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, scope.Operation.Target, ct) is { } error && error != ex)
        {
            throw error;
        }
    }

    public Task RunAsync(object? target, IOperationEvents? events, CancellationToken ct, Func<Task> call) =>
        RunAsync(target, events, ct, async () =>
        {
            await call().ConfigureAwait(false);
            return true;
        });

    /// <summary>A call that reads or writes the store only: no AWS, no events.</summary>
    public T Run<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception ex) when (Translate(ex, null, CancellationToken.None) is { } error && error != ex)
        {
            throw error;
        }
    }

    public void Run(Action call) =>
        Run(() =>
        {
            call();
            return true;
        });

    private EngineException? Translate(Exception ex, object? target, CancellationToken ct) => ex switch
    {
        OperationCanceledException when ct.IsCancellationRequested => null,
        OperationCanceledException stopped => new EngineException("OperationStopped", ErrorKind.OperationStopped, target,
            $"The operation stopped before it finished ({stopped.Message.TrimEnd('.')}). Run it again.", stopped),
        _ => EngineErrors.From(ex, target, storeLocation),
    };
}
