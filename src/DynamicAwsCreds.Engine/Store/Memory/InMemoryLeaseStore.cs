namespace DynamicAwsCreds.Engine.Store.Memory;

/// <summary>
/// A store in this process's memory, for engine unit tests: the <see cref="ILeaseStore"/> contract as the SQLite store
/// keeps it, each method one step under one lock. Records come back as a database returns them (<see cref="StoredCopies"/>);
/// request locks are shared by the threads of this instance. Nothing outlives the instance.
/// </summary>
public sealed class InMemoryLeaseStore : ILeaseStore
{
    private readonly object _gate = new();
    private readonly SortedDictionary<string, StoredMount> _mounts = new(CodePointOrder.Instance);
    private readonly Dictionary<string, RootConfigRecord> _rootConfigs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LeaseConfigRecord> _leaseConfigs = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Mount, string Name), RoleRecord> _roles = [];
    private readonly SortedDictionary<string, StoredLease> _leases = new(CodePointOrder.Instance);
    private readonly Dictionary<string, CacheEntry> _cache = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Mount, string Name), StaticRoleRecord> _staticRoles = [];
    private readonly Dictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);
    private readonly InProcessRequestLocks _locks = new();

    /// <param name="storeId">The store's id; null: a new random one. A store copied from another keeps that one's id.</param>
    public InMemoryLeaseStore(string? storeId = null)
    {
        StoreId = storeId ?? StoreIds.New();
        Location = "memory:" + StoreId;
    }

    public string Location { get; }

    public string StoreId { get; }

    // ---- mounts ---------------------------------------------------------------------------

    public MountRecord? AddMount(MountRecord mount) => Locked(() =>
    {
        // As Vault, mounts may not nest: a prefix revoke of one would reach into the other.
        var clash = _mounts.Values.Select(m => m.Mount).FirstOrDefault(m => m.Path == mount.Path
            || mount.Path.StartsWith(m.Path + "/", StringComparison.Ordinal) || m.Path.StartsWith(mount.Path + "/", StringComparison.Ordinal));
        if (clash is null)
        {
            _mounts.Add(mount.Path, new StoredMount(StoredCopies.Of(mount), Disabling: false));
        }

        return clash;
    });

    public MountRecord? GetMount(string path) => Locked(() => _mounts.GetValueOrDefault(path)?.Mount);

    public IReadOnlyList<MountRecord> ListMounts() => Locked(() => _mounts.Values.Select(m => m.Mount).ToList());

    public bool MountTakesLeases(string path) => Locked(() => TakesLeases(path));

    public bool SetMountDisabling(string path, bool disabling) => Locked(() =>
    {
        if (!_mounts.TryGetValue(path, out var stored))
        {
            return false;
        }

        _mounts[path] = stored with { Disabling = disabling };
        return true;
    });

    public bool RemoveMount(string path) => Locked(() =>
    {
        if (!_mounts.Remove(path))
        {
            return false;
        }

        _rootConfigs.Remove(path);
        _leaseConfigs.Remove(path);
        foreach (var key in _roles.Keys.Where(k => k.Mount == path).ToList())
        {
            _roles.Remove(key);
        }

        foreach (var key in _staticRoles.Keys.Where(k => k.Mount == path).ToList())
        {
            _staticRoles.Remove(key);
        }

        RemoveCacheEntries(e => e.Mount == path);
        return true;
    });

    private bool TakesLeases(string path) => _mounts.TryGetValue(path, out var m) && !m.Disabling;

    // ---- root and lease config --------------------------------------------------------------

    public RootConfigRecord? GetRootConfig(string mount) =>
        Locked(() => _rootConfigs.TryGetValue(mount, out var c) ? StoredCopies.Of(c) : null);

    public long? GetRootConfigGeneration(string mount) =>
        Locked(() => _rootConfigs.TryGetValue(mount, out var c) ? c.Generation : (long?)null);

    public RootConfigRecord? UpdateRootConfig(string mount, Func<RootConfigRecord?, RootConfigRecord> change) => Locked(() =>
    {
        if (!_mounts.ContainsKey(mount))
        {
            return null;
        }

        var record = change(GetRootConfig(mount));
        StoredCopies.CheckSameKey("mount", mount, record.Mount);
        _rootConfigs[mount] = StoredCopies.Of(record) with { Generation = Random.Shared.NextInt64(1, long.MaxValue) };
        return GetRootConfig(mount);
    });

    public bool PutLeaseConfig(LeaseConfigRecord config) => Locked(() =>
    {
        if (!_mounts.ContainsKey(config.Mount))
        {
            return false;
        }

        _leaseConfigs[config.Mount] = StoredCopies.Of(config);
        return true;
    });

    public LeaseConfigRecord? GetLeaseConfig(string mount) => Locked(() => _leaseConfigs.GetValueOrDefault(mount));

    // ---- roles ----------------------------------------------------------------------------

    public RoleRecord? UpdateRole(string mount, string name, Func<RoleRecord?, RoleRecord> change) => Locked(() =>
    {
        if (!_mounts.ContainsKey(mount))
        {
            return null;
        }

        var record = change(_roles.GetValueOrDefault((mount, name)));
        StoredCopies.CheckSameKey("mount", mount, record.Mount);
        StoredCopies.CheckSameKey("role name", name, record.Name);
        return _roles[(mount, name)] = StoredCopies.Of(record);
    });

    public RoleRecord? GetRole(string mount, string name) => Locked(() => _roles.GetValueOrDefault((mount, name)));

    public IReadOnlyList<RoleRecord> ListRoles(string mount) =>
        Locked(() => _roles.Values.Where(r => r.Mount == mount).OrderBy(r => r.Name, CodePointOrder.Instance).ToList());

    public bool DeleteRole(string mount, string name) => Locked(() => _roles.Remove((mount, name)));

    // ---- leases ---------------------------------------------------------------------------

    public bool InsertLeaseUnderEnabledMount(LeaseRecord lease) =>
        Locked(() => TakesLeases(lease.Mount) && _leases.TryAdd(lease.LeaseId, new StoredLease(StoredCopies.Of(lease), UserCreated: false)));

    public bool ActivateLease(string leaseId, string? accessKeyId, LeaseOwner? owner = null) => Locked(() =>
    {
        if (!_leases.TryGetValue(leaseId, out var stored) || stored.Lease.State != LeaseState.Pending || !TakesLeases(stored.Lease.Mount)
            || (owner is not null && stored.Lease.Owner != StoredCopies.Of(owner)))
        {
            return false;
        }

        _leases[leaseId] = stored with { Lease = stored.Lease with { State = LeaseState.Active, AccessKeyId = accessKeyId, Owner = null } };
        return true;
    });

    public bool ClaimLease(string leaseId, LeaseOwner? expected, LeaseOwner? claimant) => Locked(() =>
    {
        if (!_leases.TryGetValue(leaseId, out var stored) || stored.Lease.Owner != (expected is null ? null : StoredCopies.Of(expected)))
        {
            return false;
        }

        _leases[leaseId] = stored with { Lease = stored.Lease with { Owner = claimant is null ? null : StoredCopies.Of(claimant) } };
        return true;
    });

    public bool MarkUserCreated(string leaseId) => Locked(() =>
    {
        if (!_leases.TryGetValue(leaseId, out var stored) || stored.Lease.State != LeaseState.Pending)
        {
            return false;
        }

        _leases[leaseId] = stored with { UserCreated = true };
        return true;
    });

    public bool WasUserCreated(string leaseId) => Locked(() => _leases.TryGetValue(leaseId, out var stored) && stored.UserCreated);

    public bool UpdateLeaseExpiry(string leaseId, DateTimeOffset expireTime, DateTimeOffset renewedAt) => Locked(() =>
    {
        if (!_leases.TryGetValue(leaseId, out var stored) || stored.Lease.State != LeaseState.Active)
        {
            return false;
        }

        _leases[leaseId] = stored with { Lease = StoredCopies.Of(stored.Lease with { ExpireTime = expireTime, LastRenewalTime = renewedAt }) };
        return true;
    });

    public bool DeleteLease(string leaseId) => Locked(() =>
    {
        _cache.Remove(leaseId);
        return _leases.Remove(leaseId);
    });

    public void RememberRevokedLease(string leaseId, DateTimeOffset keepUntil, DateTimeOffset now) => Locked(() =>
    {
        foreach (var gone in _revoked.Where(t => t.Value <= now).Select(t => t.Key).ToList())
        {
            _revoked.Remove(gone);
        }

        _revoked[leaseId] = DateTimeOffset.FromUnixTimeMilliseconds(keepUntil.ToUnixTimeMilliseconds());
    });

    public bool WasLeaseRevoked(string leaseId, DateTimeOffset now) =>
        Locked(() => _revoked.TryGetValue(leaseId, out var keepUntil) && keepUntil > now);

    public LeaseRecord? GetLease(string leaseId) => Locked(() => _leases.GetValueOrDefault(leaseId)?.Lease);

    public IReadOnlyList<LeaseRecord> ListLeasesByPrefix(string prefix, bool activeOnly = true) =>
        Leases(l => l.LeaseId.StartsWith(prefix, StringComparison.Ordinal) && (!activeOnly || l.State == LeaseState.Active));

    public IReadOnlyList<LeaseRecord> ListPendingLeases() =>
        Leases(l => l.State == LeaseState.Pending).OrderBy(l => l.IssueTime).ToList();

    public IReadOnlyList<LeaseRecord> ListExpiredLeases(DateTimeOffset now) =>
        Leases(l => l.State == LeaseState.Active && l.ExpireTime <= now).OrderBy(l => l.ExpireTime).ToList();

    public IReadOnlySet<string> ListLeaseUserNames() =>
        Leases(l => l.UserName is not null).Select(l => l.UserName!).ToHashSet(StringComparer.Ordinal);

    public long CountLeases(string mount) => Leases(l => l.Mount == mount && l.State == LeaseState.Active).Count;

    public int ImportLeases(IEnumerable<LeaseRecord> leases) =>
        Locked(() => leases.Count(l => _leases.TryAdd(l.LeaseId, new StoredLease(StoredCopies.Of(l), UserCreated: false))));

    /// <summary>The leases that match, in id order.</summary>
    private List<LeaseRecord> Leases(Func<LeaseRecord, bool> match) =>
        Locked(() => _leases.Values.Select(s => s.Lease).Where(match).ToList());

    // ---- sealed secrets and the credential cache -----------------------------------------------

    public bool HasSealedSecrets() =>
        Locked(() => _cache.Count > 0 || _staticRoles.Count > 0 || _rootConfigs.Values.Any(c => c.SecretKeyCiphertext is not null));

    public void PutCachedCredential(string leaseId, string mount, string role, string requestKey, byte[] sealedSecrets) => Locked(() =>
    {
        if (_leases.ContainsKey(leaseId))
        {
            // An entry written again keeps the mount and role it was first written with, as the SQLite store's does.
            var (entryMount, entryRole) = _cache.TryGetValue(leaseId, out var existing) ? (existing.Mount, existing.Role) : (mount, role);
            _cache[leaseId] = new CacheEntry(entryMount, entryRole, requestKey, sealedSecrets.ToArray());
        }
    });

    public IReadOnlyList<(LeaseRecord Lease, byte[] Sealed)> ListCachedCredentials(string requestKey, DateTimeOffset now) => Locked(() =>
        _cache
            .Where(e => e.Value.RequestKey == requestKey)
            .Select(e => (Lease: _leases[e.Key].Lease, Sealed: e.Value.Sealed.ToArray()))
            .Where(e => e.Lease.State == LeaseState.Active && e.Lease.ExpireTime > now)
            .OrderByDescending(e => e.Lease.ExpireTime)
            .ToList());

    public void DeleteCachedCredential(string leaseId) => Locked(() => { _cache.Remove(leaseId); });

    public void DeleteCachedCredentials(string mount, string? role = null) =>
        Locked(() => RemoveCacheEntries(e => e.Mount == mount && (role is null || e.Role == role)));

    private void RemoveCacheEntries(Func<CacheEntry, bool> match)
    {
        foreach (var leaseId in _cache.Where(e => match(e.Value)).Select(e => e.Key).ToList())
        {
            _cache.Remove(leaseId);
        }
    }

    public Task<IDisposable> LockRequestAsync(string requestKey, TimeSpan timeout, Action? waiting, CancellationToken ct) =>
        _locks.AcquireAsync(requestKey, timeout, waiting, ct);

    // ---- static roles ---------------------------------------------------------------------

    public StaticRoleRecord? UpdateStaticRole(string mount, string name, Func<StaticRoleRecord?, StaticRoleRecord> change) => Locked(() =>
    {
        if (!_mounts.ContainsKey(mount))
        {
            return null;
        }

        var record = change(GetStaticRole(mount, name));
        StoredCopies.CheckSameKey("mount", mount, record.Mount);
        StoredCopies.CheckSameKey("static role name", name, record.Name);
        _staticRoles[(mount, name)] = StoredCopies.Of(record);
        return GetStaticRole(mount, name);
    });

    public StaticRoleRecord? GetStaticRole(string mount, string name) =>
        Locked(() => _staticRoles.TryGetValue((mount, name), out var r) ? StoredCopies.Of(r) : null);

    public IReadOnlyList<StaticRoleRecord> ListStaticRoles(string mount) => Locked(() =>
        _staticRoles.Values.Where(r => r.Mount == mount).OrderBy(r => r.Name, CodePointOrder.Instance).Select(StoredCopies.Of).ToList());

    public IReadOnlyList<StaticRoleRecord> ListDueStaticRoles(DateTimeOffset now) => Locked(() =>
        _staticRoles.Values.Where(r => r.NextRotation <= now).OrderBy(r => r.NextRotation).Select(StoredCopies.Of).ToList());

    public bool DeleteStaticRole(string mount, string name) => Locked(() => _staticRoles.Remove((mount, name)));

    public void Dispose()
    {
    }

    /// <summary>Runs one step under the store's lock; a step may call others (the lock is reentrant).</summary>
    private T Locked<T>(Func<T> step)
    {
        lock (_gate)
        {
            return step();
        }
    }

    private void Locked(Action step)
    {
        lock (_gate)
        {
            step();
        }
    }

    private sealed record StoredMount(MountRecord Mount, bool Disabling);

    private sealed record StoredLease(LeaseRecord Lease, bool UserCreated);

    private sealed record CacheEntry(string Mount, string Role, string RequestKey, byte[] Sealed);
}
