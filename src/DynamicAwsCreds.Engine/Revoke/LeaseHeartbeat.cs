using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Revoke;

/// <summary>
/// Keeps a lease this engine owns (a pending intent while it issues, a claim while it revokes or recovers) alive:
/// every <see cref="IntentOwners.HeartbeatInterval"/> of the engine's clock it moves the owner's deadline on with
/// <see cref="ILeaseStore.ClaimLease"/>(id, current, current with a new deadline). When that compare-and-swap fails,
/// another host has taken the lease over (this owner's deadline had passed): the heartbeat stops, <see cref="Lost"/>
/// is set, and <see cref="Current"/> stays the owner the store no longer holds, so an owner-checked step refuses.
/// Stop it (<see cref="StopAsync"/>) before a step that names <see cref="Current"/>, so no beat changes it meanwhile.
/// </summary>
internal sealed class LeaseHeartbeat : IAsyncDisposable
{
    private readonly ILeaseStore _store;
    private readonly string _leaseId;
    private readonly IntentOwners _owners;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _beating;
    private volatile LeaseOwner _current;
    private volatile bool _lost;

    private LeaseHeartbeat(ILeaseStore store, string leaseId, LeaseOwner owner, IntentOwners owners, TimeProvider time)
    {
        _store = store;
        _leaseId = leaseId;
        _owners = owners;
        _time = time;
        _current = owner;
        _beating = Task.Run(BeatAsync);
    }

    /// <summary>Starts beating for <paramref name="owner"/>, which the store holds on <paramref name="leaseId"/> now.</summary>
    public static LeaseHeartbeat Start(ILeaseStore store, string leaseId, LeaseOwner owner, IntentOwners owners, TimeProvider time) =>
        new(store, leaseId, owner, owners, time);

    /// <summary>The owner as the store last accepted it from this heartbeat.</summary>
    public LeaseOwner Current => _current;

    /// <summary>Another host took the lease over.</summary>
    public bool Lost => _lost;

    private async Task BeatAsync()
    {
        while (true)
        {
            try
            {
                await Task.Delay(_owners.HeartbeatInterval, _time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var next = _owners.Renewed(_current);
            try
            {
                if (!_store.ClaimLease(_leaseId, _current, next))
                {
                    _lost = true;
                    return;
                }

                _current = next;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The store did not answer this time; the deadline has two more beats' worth of slack.
                EngineOperation.Events.Verbose($"Could not move the deadline of {_leaseId} on ({ex.GetType().Name}); trying again at the next beat.");
            }
        }
    }

    /// <summary>Stops beating and waits for a beat under way; returns the owner the store holds (unless <see cref="Lost"/>).</summary>
    public async Task<LeaseOwner> StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        await _beating.ConfigureAwait(false);
        return _current;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
