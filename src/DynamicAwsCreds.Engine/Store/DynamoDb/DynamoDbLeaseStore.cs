using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Item = System.Collections.Generic.Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>;

namespace DynamicAwsCreds.Engine.Store.DynamoDb;

/// <summary>
/// The shared store: one DynamoDB table (single-table design, <see cref="ItemMapping"/>), correct across hosts by
/// conditional single-item writes and strongly consistent reads, with no transactions. Mounts live in one catalogue
/// item (<see cref="MountCatalogue"/>), leases and their cache entries in <see cref="LeaseItems"/>, tombstones of revoked leases in
/// <see cref="RevokedLeaseItems"/>, request locks in <see cref="TableRequestLock"/>; a mount's root config, roles and static
/// roles are read-modify-writes guarded by their generation or version attribute.
/// </summary>
public sealed class DynamoDbLeaseStore : ILeaseStore
{
    private readonly StoreTable _table;
    private readonly MountCatalogue _mounts;
    private readonly LeaseItems _leases;
    private readonly RevokedLeaseItems _revoked;

    private DynamoDbLeaseStore(StoreTable table, string storeId)
    {
        _table = table;
        _mounts = new MountCatalogue(table);
        _leases = new LeaseItems(table, _mounts);
        _revoked = new RevokedLeaseItems(table);
        StoreId = storeId;
    }

    public string Location => _table.Location.Display;

    public string StoreId { get; }

    /// <summary>
    /// Opens the store in <paramref name="location"/>'s table, creating the table (on-demand capacity) and waiting until
    /// it is active when it does not exist. A table with no store-id item gets <paramref name="newStoreId"/> (else a new
    /// random id), written conditionally so two hosts opening a new table agree on one id. The store's own AWS
    /// credentials come from the AWS SDK's default chain.
    /// </summary>
    public static ILeaseStore Open(DynamoDbStoreLocation location, string? newStoreId = null) => Open(location, newStoreId, null);

    /// <summary>As <see cref="Open(DynamoDbStoreLocation, string?)"/> with given credentials, and (for tests) a query page size.</summary>
    internal static DynamoDbLeaseStore Open(DynamoDbStoreLocation location, string? newStoreId, AWSCredentials? credentials, int? pageSize = null)
    {
        var config = new AmazonDynamoDBConfig { RegionEndpoint = RegionEndpoint.GetBySystemName(location.Region) };
        if (location.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = location.Region;
        }

        var client = credentials is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(credentials, config);
        var table = new StoreTable(client, location, pageSize);
        try
        {
            return new DynamoDbLeaseStore(table, TableSetup.Prepare(table, newStoreId));
        }
        catch
        {
            table.Dispose();
            throw;
        }
    }

    // ---- mounts ---------------------------------------------------------------------------

    public MountRecord? AddMount(MountRecord mount) => _mounts.Add(mount);

    public MountRecord? GetMount(string path) => _mounts.ReadKept().GetValueOrDefault(path)?.Mount;

    public IReadOnlyList<MountRecord> ListMounts() => _mounts.ReadKept().Values.Select(e => e.Mount).ToList();

    public bool MountTakesLeases(string path) => _mounts.Find(path) is { Disabling: false };

    public bool SetMountDisabling(string path, bool disabling) => _mounts.SetDisabling(path, disabling);

    /// <summary>
    /// Takes the mount out of the catalogue (one conditional write), then deletes its partition (config, roles and static roles) and
    /// its leases' cache entries. Anything a racing writer adds to the old partition afterwards is never read: a mount
    /// enabled again at the path gets a new incarnation, so a new, empty partition.
    /// </summary>
    public bool RemoveMount(string path)
    {
        if (_mounts.Remove(path) is not { } incarnation)
        {
            return false;
        }

        foreach (var item in _table.Query(ItemMapping.MountPk(incarnation)))
        {
            _table.Delete(Attr.S(item, Attr.Pk), Attr.S(item, Attr.Sk));
        }

        DeleteCachedCredentials(path);
        return true;
    }

    // ---- root and lease config --------------------------------------------------------------

    public RootConfigRecord? GetRootConfig(string mount) =>
        _mounts.KeptIncarnation(mount) is { } inc && _table.Get(ItemMapping.MountPk(inc), ItemMapping.RootSk) is { } item ? ItemMapping.RootConfig(item) : null;

    public long? GetRootConfigGeneration(string mount) => GetRootConfig(mount)?.Generation;

    /// <summary>Optimistic read-modify-write: written only if the generation read is still the item's, else read again.</summary>
    public RootConfigRecord? UpdateRootConfig(string mount, Func<RootConfigRecord?, RootConfigRecord> change) =>
        ReadModifyWrite(mount, ItemMapping.RootSk, "generation", ItemMapping.RootConfig, current =>
        {
            var record = change(current);
            StoredCopies.CheckSameKey("mount", mount, record.Mount);
            return (inc, _) =>
            {
                var generation = Random.Shared.NextInt64(1, long.MaxValue);
                return ItemMapping.RootConfig(inc, StoredCopies.Of(record), generation);
            };
        });

    public bool PutLeaseConfig(LeaseConfigRecord config) =>
        _mounts.Incarnation(config.Mount) is { } inc && _table.Put(ItemMapping.LeaseConfig(inc, StoredCopies.Of(config)));

    public LeaseConfigRecord? GetLeaseConfig(string mount) =>
        _mounts.KeptIncarnation(mount) is { } inc && _table.Get(ItemMapping.MountPk(inc), ItemMapping.LeaseConfigSk) is { } item ? ItemMapping.LeaseConfig(item) : null;

    // ---- roles ----------------------------------------------------------------------------

    /// <summary>Optimistic read-modify-write on the role's version attribute, read again on conflict.</summary>
    public RoleRecord? UpdateRole(string mount, string name, Func<RoleRecord?, RoleRecord> change) =>
        ReadModifyWrite(mount, ItemMapping.RolePrefix + name, "version", ItemMapping.Role, current =>
        {
            var record = change(current);
            StoredCopies.CheckSameKey("mount", mount, record.Mount);
            StoredCopies.CheckSameKey("role name", name, record.Name);
            return (inc, version) => ItemMapping.Role(inc, StoredCopies.Of(record), version + 1);
        });

    public RoleRecord? GetRole(string mount, string name) =>
        _mounts.KeptIncarnation(mount) is { } inc && _table.Get(ItemMapping.MountPk(inc), ItemMapping.RolePrefix + name) is { } item ? ItemMapping.Role(item) : null;

    public IReadOnlyList<RoleRecord> ListRoles(string mount) =>
        _mounts.KeptIncarnation(mount) is { } inc
            ? _table.Query(ItemMapping.MountPk(inc), ItemMapping.RolePrefix).Select(ItemMapping.Role).ToList()
            : [];

    public bool DeleteRole(string mount, string name) =>
        _mounts.Incarnation(mount) is { } inc
        && _table.Delete(ItemMapping.MountPk(inc), ItemMapping.RolePrefix + name, Expr.When("attribute_exists(#pk)").Named(Attr.Pk));

    /// <summary>
    /// Reads the item (strongly consistent), lets <paramref name="change"/> decide what to write, and writes it only if
    /// <paramref name="guard"/> still has the value read (or the item is still absent); on a conflict, starts again.
    /// Null when the mount does not exist.
    /// </summary>
    private T? ReadModifyWrite<T>(string mount, string sk, string guard, Func<Item, T> read, Func<T?, Func<string, long, Item>> change)
        where T : class
    {
        while (true)
        {
            if (_mounts.Incarnation(mount) is not { } inc)
            {
                return null;
            }

            var pk = ItemMapping.MountPk(inc);
            var current = _table.Get(pk, sk);
            var seen = current is null ? (long?)null : Attr.N(current, guard);
            var item = change(current is null ? null : read(current))(inc, seen ?? 0);
            var condition = seen is { } value
                ? Expr.When("#guard = :seen").Name("#guard", guard).Value(":seen", Attr.N(value))
                : Expr.When("attribute_not_exists(#pk)").Named(Attr.Pk);
            if (_table.Put(item, condition))
            {
                return read(item);
            }
        }
    }

    // ---- leases ---------------------------------------------------------------------------

    public bool InsertLeaseUnderEnabledMount(LeaseRecord lease) => _leases.InsertUnderEnabledMount(lease);

    public bool ActivateLease(string leaseId, string? accessKeyId, LeaseOwner? owner = null) => _leases.Activate(leaseId, accessKeyId, owner);

    public bool ClaimLease(string leaseId, LeaseOwner? expected, LeaseOwner? claimant) => _leases.Claim(leaseId, expected, claimant);

    public bool MarkUserCreated(string leaseId) => _leases.MarkUserCreated(leaseId);

    public bool WasUserCreated(string leaseId) => _leases.WasUserCreated(leaseId);

    public bool UpdateLeaseExpiry(string leaseId, DateTimeOffset expireTime, DateTimeOffset renewedAt) =>
        _leases.UpdateExpiry(leaseId, expireTime, renewedAt);

    public bool DeleteLease(string leaseId) => _leases.Delete(leaseId);

    public void RememberRevokedLease(string leaseId, DateTimeOffset keepUntil, DateTimeOffset now) => _revoked.Remember(leaseId, keepUntil, now);

    public bool WasLeaseRevoked(string leaseId, DateTimeOffset now) => _revoked.WasRevoked(leaseId, now);

    public LeaseRecord? GetLease(string leaseId) => _leases.Get(leaseId);

    public IReadOnlyList<LeaseRecord> ListLeasesByPrefix(string prefix, bool activeOnly = true) =>
        _leases.List(prefix, activeOnly ? LeaseItems.InState(LeaseState.Active) : null);

    public IReadOnlyList<LeaseRecord> ListPendingLeases() =>
        _leases.List(filter: LeaseItems.InState(LeaseState.Pending)).OrderBy(l => l.IssueTime).ToList();

    public IReadOnlyList<LeaseRecord> ListExpiredLeases(DateTimeOffset now) =>
        _leases.List(filter: LeaseItems.InState(LeaseState.Active).And("#expireTime <= :now").Named("expireTime").Value(":now", Attr.Time(now)))
            .OrderBy(l => l.ExpireTime).ToList();

    public IReadOnlySet<string> ListLeaseUserNames() => _leases.UserNames();

    /// <summary>A lease id starts with its mount's path and "/", and mounts never nest, so only the mount's own leases are read.</summary>
    public long CountLeases(string mount) =>
        _leases.List(mount + "/", LeaseItems.InState(LeaseState.Active).And("#mount = :mount").Named("mount").Value(":mount", Attr.S(mount)))
            .Count;

    public int ImportLeases(IEnumerable<LeaseRecord> leases) => _leases.Import(leases);

    // ---- sealed secrets and the credential cache -----------------------------------------------

    public bool HasSealedSecrets() =>
        _leases.ListCached(Expr.When("attribute_exists(#cacheKey)").Named("cacheKey")).Count > 0
        || ListMounts().Any(m => GetRootConfig(m.Path)?.SecretKeyCiphertext is not null || ListStaticRoles(m.Path).Count > 0);

    public void PutCachedCredential(string leaseId, string mount, string role, string requestKey, byte[] sealedSecrets) =>
        _leases.PutCached(leaseId, mount, role, requestKey, sealedSecrets);

    public IReadOnlyList<(LeaseRecord Lease, byte[] Sealed)> ListCachedCredentials(string requestKey, DateTimeOffset now) =>
        _leases.ListCached(LeaseItems.InState(LeaseState.Active).And("#cacheKey = :key AND #expireTime > :now")
                .Named("cacheKey", "expireTime").Value(":key", Attr.S(requestKey)).Value(":now", Attr.Time(now)))
            .OrderByDescending(e => e.Lease.ExpireTime).ToList();

    public void DeleteCachedCredential(string leaseId) => _leases.DeleteCached(leaseId);

    public void DeleteCachedCredentials(string mount, string? role = null)
    {
        var filter = Expr.When("#cacheMount = :mount").Named("cacheMount").Value(":mount", Attr.S(mount));
        if (role is not null)
        {
            filter.And("#cacheRole = :role").Named("cacheRole").Value(":role", Attr.S(role));
        }

        foreach (var (lease, _) in _leases.ListCached(filter))
        {
            _leases.DeleteCached(lease.LeaseId);
        }
    }

    public Task<IDisposable> LockRequestAsync(string requestKey, TimeSpan timeout, Action? waiting, CancellationToken ct) =>
        TableRequestLock.AcquireAsync(_table, requestKey, timeout, waiting, ct);

    // ---- static roles ---------------------------------------------------------------------

    /// <summary>Optimistic read-modify-write on the static role's version attribute, read again on conflict.</summary>
    public StaticRoleRecord? UpdateStaticRole(string mount, string name, Func<StaticRoleRecord?, StaticRoleRecord> change) =>
        ReadModifyWrite(mount, ItemMapping.StaticRolePrefix + name, "version", ItemMapping.StaticRole, current =>
        {
            var record = change(current);
            StoredCopies.CheckSameKey("mount", mount, record.Mount);
            StoredCopies.CheckSameKey("static role name", name, record.Name);
            return (inc, version) => ItemMapping.StaticRole(inc, StoredCopies.Of(record), version + 1);
        });

    public StaticRoleRecord? GetStaticRole(string mount, string name) =>
        _mounts.Incarnation(mount) is { } inc && _table.Get(ItemMapping.MountPk(inc), ItemMapping.StaticRolePrefix + name) is { } item
            ? ItemMapping.StaticRole(item)
            : null;

    public IReadOnlyList<StaticRoleRecord> ListStaticRoles(string mount) =>
        _mounts.Incarnation(mount) is { } inc
            ? _table.Query(ItemMapping.MountPk(inc), ItemMapping.StaticRolePrefix).Select(ItemMapping.StaticRole).ToList()
            : [];

    public IReadOnlyList<StaticRoleRecord> ListDueStaticRoles(DateTimeOffset now) =>
        _mounts.Read().Values.SelectMany(m => ListStaticRoles(m.Mount.Path)).Where(r => r.NextRotation <= now).OrderBy(r => r.NextRotation).ToList();

    public bool DeleteStaticRole(string mount, string name) =>
        _mounts.Incarnation(mount) is { } inc
        && _table.Delete(ItemMapping.MountPk(inc), ItemMapping.StaticRolePrefix + name, Expr.When("attribute_exists(#pk)").Named(Attr.Pk));

    public void Dispose() => _table.Dispose();
}
