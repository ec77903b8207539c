using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine;

/// <summary>
/// The engine call under way: where it reports (verbose lines, warnings, progress) and what a failure of it is about.
/// Engine code reads it ambiently, never from an events parameter: the AWS clients are built once per mount and
/// shared by every call, yet each AWS call's verbose line belongs to the engine call that made it, and only a value
/// that flows with the async work reaches them without rebuilding clients per call or widening IIamApi/IStsApi.
/// <see cref="EngineBoundary"/> starts one for each public engine call, and nothing else does.
/// </summary>
internal sealed class EngineOperation
{
    private static readonly AsyncLocal<EngineOperation?> Ambient = new();

    private EngineOperation(IOperationEvents events, object? target)
    {
        Sink = events;
        Target = target;
    }

    private IOperationEvents Sink { get; }

    /// <summary>The offending value an AWS failure of this call names (its ErrorRecord's target).</summary>
    public object? Target { get; private set; }

    /// <summary>Where the current call reports; nowhere outside one.</summary>
    public static IOperationEvents Events => Ambient.Value?.Sink ?? NoOperationEvents.Instance;

    /// <summary>From here on, an AWS failure of the current call is about <paramref name="target"/>.</summary>
    public static void About(object? target)
    {
        if (Ambient.Value is { } operation)
        {
            operation.Target = target;
        }
    }

    /// <summary>Makes a new operation current until the returned scope is disposed.</summary>
    public static Scope Begin(IOperationEvents? events, object? target)
    {
        var previous = Ambient.Value;
        var operation = new EngineOperation(events ?? NoOperationEvents.Instance, target);
        Ambient.Value = operation;
        return new Scope(operation, previous, OperationReads.Begin());
    }

    /// <summary>The operation, and the store reads it keeps (<see cref="OperationReads"/>), until disposed.</summary>
    public readonly struct Scope(EngineOperation operation, EngineOperation? previous, OperationReads.Scope reads) : IDisposable
    {
        public EngineOperation Operation => operation;

        public void Dispose()
        {
            reads.Dispose();
            Ambient.Value = previous;
        }
    }
}
