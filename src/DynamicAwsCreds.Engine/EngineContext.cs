using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Cache;
using DynamicAwsCreds.Engine.Clients;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine;

/// <summary>What every engine service shares: the store, the sealer, each mount's AWS clients, the clock and the display name.</summary>
internal sealed class EngineContext : IDisposable
{
    private readonly Lazy<ILeaseStore> _store;
    private readonly TimeProvider _time;
    private readonly Lazy<IntentOwners> _owners;

    public EngineContext(EngineOptions options)
    {
        // Reads of mounts, config and roles are kept per engine call (OperationReads): over a network each is a round trip.
        _store = new Lazy<ILeaseStore>(() => new OperationReadStore(options.Store.Value));
        _time = options.Time;
        StoreLocation = options.StoreLocation;
        StoreKind = options.StoreKind;
        Sealer = options.Sealer;
        SharedStore = options.SharedStore;
        DisplayName = options.DisplayName;
        _owners = new Lazy<IntentOwners>(() => new IntentOwners(
            IntentOwners.ResolveHostId(options.HostId), IntentOwners.ResolveDeadline(options.IntentDeadline), Now), LazyThreadSafetyMode.PublicationOnly);
        Clients = new MountClients(_store, options.Sealer, options.AwsClients);
        CacheFiles = CredentialProcessFiles.For(options.SqliteStorePath, options.Sealer);
    }

    public ILeaseStore Store => _store.Value;

    /// <summary>The store as opened, without the per-call reads the engine keeps.</summary>
    public ILeaseStore OpenedStore => ((OperationReadStore)_store.Value).Inner;

    public string StoreLocation { get; }

    public string StoreKind { get; }

    public ISecretSealer Sealer { get; }

    /// <summary>The store is shared by many hosts (<see cref="EngineOptions.SharedStore"/>).</summary>
    public bool SharedStore { get; }

    public MountClients Clients { get; }

    /// <summary>The credential_process cache files beside the store; where the store has none, they do nothing.</summary>
    public CredentialProcessFiles CacheFiles { get; }

    public string DisplayName { get; }

    /// <summary>This engine as the owner of leases it works on, and how it judges other owners (resolved on first use).</summary>
    public IntentOwners Owners => _owners.Value;

    /// <summary>The engine's clock, for timers (heartbeats) as well as for times.</summary>
    public TimeProvider Time => _time;

    /// <summary>How long issue and revoke wait for IAM to show a user (or what was attached to it) made moments ago.</summary>
    public TimeSpan PropagationBudget { get; set; } = IamPropagation.DefaultBudget;

    /// <summary>The engine's clock, cut to milliseconds: the store keeps milliseconds, and so does every time the engine hands out.</summary>
    public DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>A failure met inside a call, as the EngineException it stands for (see <see cref="EngineErrors.From"/>).</summary>
    public EngineException? ErrorOf(Exception ex, object? target) => EngineErrors.From(ex, target, StoreLocation);

    public void Dispose()
    {
        if (_store.IsValueCreated)
        {
            _store.Value.Dispose();
        }

        (Sealer as IDisposable)?.Dispose();
    }
}
