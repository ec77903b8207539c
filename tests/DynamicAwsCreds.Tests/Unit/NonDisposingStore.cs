using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Tests.Unit;

/// <summary>A store shared by several engines in one test: every call goes to the store beneath, except Dispose; each method's calls are counted.</summary>
public class NonDisposingStore : DispatchProxy
{
    private ILeaseStore _inner = null!;

    /// <summary>How many times each method (by name) was called.</summary>
    public ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

    public static NonDisposingStore Of(ILeaseStore proxy) => (NonDisposingStore)(object)proxy;

    public static ILeaseStore Over(ILeaseStore inner)
    {
        var proxy = Create<ILeaseStore, NonDisposingStore>();
        ((NonDisposingStore)(object)proxy)._inner = inner;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod!.Name == nameof(IDisposable.Dispose))
        {
            return null;
        }

        Calls.AddOrUpdate(targetMethod.Name, 1, (_, n) => n + 1);
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
        {
            ExceptionDispatchInfo.Throw(inner);
            throw;
        }
    }
}
