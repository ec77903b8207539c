namespace DynamicAwsCreds.Engine.Store;

/// <summary>
/// The engine's view of its store: mounts, root and lease config and roles are read once per operation
/// (<see cref="OperationReads"/>), and forgotten after any write of them made through it; everything else goes
/// straight to the store beneath. Lease writes change none of the kept records, so they keep them.
/// </summary>
internal sealed class OperationReadStore(ILeaseStore store) : ILeaseStore
{
    /// <summary>The store beneath, unwrapped.</summary>
    public ILeaseStore Inner => store;

    public string Location => store.Location;

    public string StoreId => store.StoreId;

    public MountRecord? AddMount(MountRecord mount) => Write(() => store.AddMount(mount));

    public MountRecord? GetMount(string path) => Read("mount/" + path, () => store.GetMount(path));

    public IReadOnlyList<MountRecord> ListMounts() => Read("mounts", store.ListMounts);

    public bool MountTakesLeases(string path) => store.MountTakesLeases(path);

    public bool SetMountDisabling(string path, bool disabling) => Write(() => store.SetMountDisabling(path, disabling));

    public bool RemoveMount(string path) => Write(() => store.RemoveMount(path));

    public RootConfigRecord? GetRootConfig(string mount) => Read("root/" + mount, () => store.GetRootConfig(mount));

    /// <summary>Within an operation, from the kept root config: one read serves both.</summary>
    public long? GetRootConfigGeneration(string mount) =>
        OperationReads.Current is null ? store.GetRootConfigGeneration(mount) : GetRootConfig(mount)?.Generation;

    public RootConfigRecord? UpdateRootConfig(string mount, Func<RootConfigRecord?, RootConfigRecord> change) =>
        Write(() => store.UpdateRootConfig(mount, change));

    public bool PutLeaseConfig(LeaseConfigRecord config) => Write(() => store.PutLeaseConfig(config));

    public LeaseConfigRecord? GetLeaseConfig(string mount) => Read("leaseConfig/" + mount, () => store.GetLeaseConfig(mount));

    public RoleRecord? UpdateRole(string mount, string name, Func<RoleRecord?, RoleRecord> change) =>
        Write(() => store.UpdateRole(mount, name, change));

    public RoleRecord? GetRole(string mount, string name) => Read($"role/{mount}/{name}", () => store.GetRole(mount, name));

    public IReadOnlyList<RoleRecord> ListRoles(string mount) => store.ListRoles(mount);

    public bool DeleteRole(string mount, string name) => Write(() => store.DeleteRole(mount, name));

    public bool InsertLeaseUnderEnabledMount(LeaseRecord lease) => store.InsertLeaseUnderEnabledMount(lease);

    public bool ActivateLease(string leaseId, string? accessKeyId, LeaseOwner? owner = null) => store.ActivateLease(leaseId, accessKeyId, owner);

    public bool ClaimLease(string leaseId, LeaseOwner? expected, LeaseOwner? claimant) => store.ClaimLease(leaseId, expected, claimant);

    public bool MarkUserCreated(string leaseId) => store.MarkUserCreated(leaseId);

    public bool WasUserCreated(string leaseId) => store.WasUserCreated(leaseId);

    public bool UpdateLeaseExpiry(string leaseId, DateTimeOffset expireTime, DateTimeOffset renewedAt) => store.UpdateLeaseExpiry(leaseId, expireTime, renewedAt);

    public bool DeleteLease(string leaseId) => store.DeleteLease(leaseId);

    public LeaseRecord? GetLease(string leaseId) => store.GetLease(leaseId);

    public IReadOnlyList<LeaseRecord> ListLeasesByPrefix(string prefix, bool activeOnly = true) => store.ListLeasesByPrefix(prefix, activeOnly);

    public IReadOnlyList<LeaseRecord> ListPendingLeases() => store.ListPendingLeases();

    public IReadOnlyList<LeaseRecord> ListExpiredLeases(DateTimeOffset now) => store.ListExpiredLeases(now);

    public IReadOnlySet<string> ListLeaseUserNames() => store.ListLeaseUserNames();

    public long CountLeases(string mount) => store.CountLeases(mount);

    public int ImportLeases(IEnumerable<LeaseRecord> leases) => store.ImportLeases(leases);

    public void RememberRevokedLease(string leaseId, DateTimeOffset keepUntil, DateTimeOffset now) => store.RememberRevokedLease(leaseId, keepUntil, now);

    public bool WasLeaseRevoked(string leaseId, DateTimeOffset now) => store.WasLeaseRevoked(leaseId, now);

    public bool HasSealedSecrets() => store.HasSealedSecrets();

    public void PutCachedCredential(string leaseId, string mount, string role, string requestKey, byte[] sealedSecrets) =>
        store.PutCachedCredential(leaseId, mount, role, requestKey, sealedSecrets);

    public IReadOnlyList<(LeaseRecord Lease, byte[] Sealed)> ListCachedCredentials(string requestKey, DateTimeOffset now) =>
        store.ListCachedCredentials(requestKey, now);

    public void DeleteCachedCredential(string leaseId) => store.DeleteCachedCredential(leaseId);

    public void DeleteCachedCredentials(string mount, string? role = null) => store.DeleteCachedCredentials(mount, role);

    public Task<IDisposable> LockRequestAsync(string requestKey, TimeSpan timeout, Action? waiting, CancellationToken ct) =>
        store.LockRequestAsync(requestKey, timeout, waiting, ct);

    // Static roles are read fresh: a rotation decides on the record it reads under the role's lock.
    public StaticRoleRecord? UpdateStaticRole(string mount, string name, Func<StaticRoleRecord?, StaticRoleRecord> change) =>
        store.UpdateStaticRole(mount, name, change);

    public StaticRoleRecord? GetStaticRole(string mount, string name) => store.GetStaticRole(mount, name);

    public IReadOnlyList<StaticRoleRecord> ListStaticRoles(string mount) => store.ListStaticRoles(mount);

    public IReadOnlyList<StaticRoleRecord> ListDueStaticRoles(DateTimeOffset now) => store.ListDueStaticRoles(now);

    public bool DeleteStaticRole(string mount, string name) => store.DeleteStaticRole(mount, name);

    public void Dispose() => store.Dispose();

    private static T Read<T>(string key, Func<T> read) => OperationReads.Current is { } reads ? reads.Get(key, read) : read();

    /// <summary>Forgets the kept reads after the write (done or failed), so no read made before it is served after it.</summary>
    private static T Write<T>(Func<T> write)
    {
        try
        {
            return write();
        }
        finally
        {
            OperationReads.Current?.Forget();
        }
    }
}
