using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using DynamicAwsCreds.Engine;

namespace DynamicAwsCreds;

/// <summary>One engine per runspace, made on first use, disposed when the runspace closes or the module is removed.</summary>
internal static class EngineRegistry
{
    private static readonly ConditionalWeakTable<Runspace, CredsEngine> Engines = new();
    private static readonly object Gate = new();

    public static CredsEngine For(Runspace runspace)
    {
        // The store follows DYNAMICAWSCREDS_STORE, even when it changes within a session; a malformed value is
        // DynamicAwsCreds.InvalidStoreLocation, and the engine in use stays as it is.
        var location = CredsEngine.ResolveStoreLocation();
        CredsEngine? engine;
        lock (Gate)
        {
            if (Engines.TryGetValue(runspace, out engine))
            {
                if (string.Equals(engine.StorePath, location.Display, StringComparison.Ordinal))
                {
                    return engine;
                }

                Engines.Remove(runspace);
                engine.Dispose();
            }
            else
            {
                runspace.StateChanged += OnRunspaceStateChanged;
            }

            // Interrupted issues are cleaned up by the next issue or Revoke-Lease -Expired, not here: reading the
            // store and completing arguments never wait on AWS.
            engine = new CredsEngine(EngineOptions.ForLocation(location));
            Engines.Add(runspace, engine);
        }

        return engine;
    }

    private static void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (sender is Runspace runspace && e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken)
        {
            lock (Gate)
            {
                if (Engines.TryGetValue(runspace, out var engine))
                {
                    Engines.Remove(runspace);
                    engine.Dispose();
                }
            }
        }
    }

    public static void DisposeAll()
    {
        lock (Gate)
        {
            foreach (var (runspace, engine) in Engines.ToList())
            {
                Engines.Remove(runspace);
                runspace.StateChanged -= OnRunspaceStateChanged;
                engine.Dispose();
            }
        }
    }
}
