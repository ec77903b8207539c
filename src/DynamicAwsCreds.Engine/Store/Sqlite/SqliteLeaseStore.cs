using System.Text;
using Microsoft.Data.Sqlite;
using static DynamicAwsCreds.Engine.Store.Sqlite.SqliteRows;

namespace DynamicAwsCreds.Engine.Store.Sqlite;

/// <summary>
/// The per-user SQLite store: mounts, configs, roles, leases and the credential cache in one file. It knows SQL and
/// nothing of AWS. Every read-then-write is one short transaction that never spans an AWS call.
/// </summary>
public sealed class SqliteLeaseStore : ILeaseStore
{
    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();
    private readonly SqliteDatabase _db;
    private readonly SqliteStaticRoles _staticRoles;

    private SqliteLeaseStore(string path)
    {
        _db = new SqliteDatabase(path);
        _staticRoles = new SqliteStaticRoles(_db);
    }

    public string Path => _db.Path;

    public string Location => Path;

    public string StoreId { get; private set; } = string.Empty;

    /// <summary>Opens (creating with owner-only permissions if needed) and migrates the store at <paramref name="path"/>.</summary>
    public static SqliteLeaseStore Open(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        StoreFiles.EnsurePrivateFile(path, SqliteHeader);
        var store = new SqliteLeaseStore(path);
        try
        {
            using var c = store._db.Connect();
            using (var wal = c.CreateCommand())
            {
                wal.CommandText = "PRAGMA journal_mode = WAL;";
                wal.ExecuteNonQuery();
            }

            Schema.Migrate(c, path);
            store.StoreId = EnsureStoreId(c);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 26 or 11)
        {
            // SQLITE_NOTADB / SQLITE_CORRUPT: report, never overwrite.
            throw new EngineException("StoreCorrupt", ErrorKind.InvalidData, path,
                $"The store '{path}' is not a readable DynamicAwsCreds store ({ex.Message.TrimEnd('.')}). It was left untouched; move it aside to start a new one.", ex);
        }
        catch (SqliteException ex)
        {
            throw new EngineException("StoreUnavailable", ErrorKind.ResourceUnavailable, path,
                $"The store '{path}' cannot be opened: {ex.Message}", ex);
        }

        return store;
    }

    private static string EnsureStoreId(SqliteConnection c)
    {
        // Two processes opening a new store at once both insert; the first one wins and both read it back.
        using (var insert = c.CreateCommand())
        {
            insert.CommandText = "INSERT INTO store_meta (key, value) VALUES ('store_id', $id) ON CONFLICT (key) DO NOTHING;";
            insert.Parameters.AddWithValue("$id", StoreIds.New());
            insert.ExecuteNonQuery();
        }

        using var read = c.CreateCommand();
        read.CommandText = "SELECT value FROM store_meta WHERE key = 'store_id';";
        return (string)read.ExecuteScalar()!;
    }

    // ---- mounts ---------------------------------------------------------------------------

    /// <summary>Adds a mount without the nesting check of <see cref="AddMount"/>; false when the path is already enabled.</summary>
    public bool TryAddMount(MountRecord m) =>
        _db.Execute($"INSERT INTO mounts ({MountColumns}) VALUES ($path, $type, $description, $default, $max, $created) ON CONFLICT (path) DO NOTHING;",
            MountParameters(m)) == 1;

    public MountRecord? AddMount(MountRecord mount) => _db.Atomically(() =>
    {
        // As Vault, mounts may not nest: a prefix revoke of one would reach into the other.
        var clash = ListMounts().FirstOrDefault(m => m.Path == mount.Path
            || mount.Path.StartsWith(m.Path + "/", StringComparison.Ordinal) || m.Path.StartsWith(mount.Path + "/", StringComparison.Ordinal));
        return clash ?? (TryAddMount(mount) ? null : GetMount(mount.Path));
    });

    public MountRecord? GetMount(string path) =>
        _db.Query($"SELECT {MountColumns} FROM mounts WHERE path = $path;", ReadMount, ("$path", path)).FirstOrDefault();

    public IReadOnlyList<MountRecord> ListMounts() =>
        _db.Query($"SELECT {MountColumns} FROM mounts ORDER BY path;", ReadMount);

    public bool MountTakesLeases(string path) =>
        Convert.ToInt64(_db.Scalar("SELECT COUNT(*) FROM mounts WHERE path = $path AND disabling = 0;", ("$path", path))) > 0;

    public bool SetMountDisabling(string path, bool disabling) =>
        _db.Execute("UPDATE mounts SET disabling = $d WHERE path = $path;", ("$path", path), ("$d", disabling ? 1 : 0)) == 1;

    /// <summary>Removes a mount; its root config, lease config, roles and static roles go with it (foreign keys), its leases stay.</summary>
    public bool RemoveMount(string path) => _db.Atomically(() =>
    {
        if (_db.Execute("DELETE FROM mounts WHERE path = $path;", ("$path", path)) == 0)
        {
            return false;
        }

        DeleteCachedCredentials(path);
        return true;
    });

    // ---- root and lease config --------------------------------------------------------------

    /// <summary>Writes the root config with a new <see cref="RootConfigRecord.Generation"/>.</summary>
    public void PutRootConfig(RootConfigRecord c) =>
        _db.Execute($"""
            INSERT INTO root_config ({RootConfigColumns})
            VALUES ($mount, $ak, $sk, $region, $iam, $sts, $retries, $template, $stsRegion, $fallbackEndpoints, $fallbackRegions, $vetted, $generation)
            ON CONFLICT (mount) DO UPDATE SET access_key = excluded.access_key, secret_key = excluded.secret_key,
                region = excluded.region, iam_endpoint = excluded.iam_endpoint, sts_endpoint = excluded.sts_endpoint,
                max_retries = excluded.max_retries, username_template = excluded.username_template,
                sts_region = excluded.sts_region, sts_fallback_endpoints = excluded.sts_fallback_endpoints,
                sts_fallback_regions = excluded.sts_fallback_regions, endpoints_vetted = excluded.endpoints_vetted,
                generation = excluded.generation;
            """,
            RootConfigParameters(c, Random.Shared.NextInt64(1, long.MaxValue)));

    public RootConfigRecord? GetRootConfig(string mount) =>
        _db.Query($"SELECT {RootConfigColumns} FROM root_config WHERE mount = $mount;", ReadRootConfig, ("$mount", mount)).FirstOrDefault();

    /// <summary>The root config's generation, null when the mount has none: one primary-key read, for change detection.</summary>
    public long? GetRootConfigGeneration(string mount) =>
        _db.Scalar("SELECT generation FROM root_config WHERE mount = $mount;", ("$mount", mount)) is long g ? g : null;

    public RootConfigRecord? UpdateRootConfig(string mount, Func<RootConfigRecord?, RootConfigRecord> change) => _db.Atomically(() =>
    {
        if (GetMount(mount) is null)
        {
            return null;
        }

        var record = change(GetRootConfig(mount));
        StoredCopies.CheckSameKey("mount", mount, record.Mount);
        PutRootConfig(record);
        return GetRootConfig(mount);
    });

    public bool PutLeaseConfig(LeaseConfigRecord c) =>
        _db.Execute("""
            INSERT INTO lease_config (mount, lease_ms, lease_max_ms)
            SELECT $mount, $lease, $max WHERE EXISTS (SELECT 1 FROM mounts WHERE path = $mount)
            ON CONFLICT (mount) DO UPDATE SET lease_ms = excluded.lease_ms, lease_max_ms = excluded.lease_max_ms;
            """,
            ("$mount", c.Mount), ("$lease", Ms(c.Lease)), ("$max", Ms(c.LeaseMax))) == 1;

    public LeaseConfigRecord? GetLeaseConfig(string mount) =>
        _db.Query("SELECT mount, lease_ms, lease_max_ms FROM lease_config WHERE mount = $mount;", ReadLeaseConfig, ("$mount", mount)).FirstOrDefault();

    // ---- roles ------------------------------------------------------------------------------

    public void PutRole(RoleRecord role) =>
        _db.Execute($"""
            INSERT INTO roles ({RoleColumns}) VALUES ($mount, $name, $definition, $updated)
            ON CONFLICT (mount, name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at;
            """,
            ("$mount", role.Mount), ("$name", role.Name), ("$definition", role.DefinitionJson), ("$updated", Ms(role.UpdatedAt)));

    public RoleRecord? UpdateRole(string mount, string name, Func<RoleRecord?, RoleRecord> change) => _db.Atomically(() =>
    {
        if (GetMount(mount) is null)
        {
            return null;
        }

        var record = change(GetRole(mount, name));
        StoredCopies.CheckSameKey("mount", mount, record.Mount);
        StoredCopies.CheckSameKey("role name", name, record.Name);
        PutRole(record);
        return GetRole(mount, name);
    });

    public RoleRecord? GetRole(string mount, string name) =>
        _db.Query($"SELECT {RoleColumns} FROM roles WHERE mount = $mount AND name = $name;", ReadRole, ("$mount", mount), ("$name", name)).FirstOrDefault();

    public IReadOnlyList<RoleRecord> ListRoles(string mount) =>
        _db.Query($"SELECT {RoleColumns} FROM roles WHERE mount = $mount ORDER BY name;", ReadRole, ("$mount", mount));

    public bool DeleteRole(string mount, string name) =>
        _db.Execute("DELETE FROM roles WHERE mount = $mount AND name = $name;", ("$mount", mount), ("$name", name)) == 1;

    // ---- leases -----------------------------------------------------------------------------

    /// <summary>Writes a lease row as it is, under any mount or none.</summary>
    public void InsertLease(LeaseRecord l) =>
        _db.Execute($"INSERT INTO leases ({LeaseColumns}) VALUES ({LeaseValues});", LeaseParameters(l));

    /// <summary>The check of the mount and the insert are one statement, so no lease can slip in behind a disable.</summary>
    public bool InsertLeaseUnderEnabledMount(LeaseRecord l) =>
        _db.Execute($"""
            INSERT INTO leases ({LeaseColumns})
            SELECT {LeaseValues}
            WHERE EXISTS (SELECT 1 FROM mounts WHERE path = $mount AND disabling = 0)
            ON CONFLICT (lease_id) DO NOTHING;
            """,
            LeaseParameters(l)) == 1;

    /// <summary>One statement: the state, the mount and (when given) every owner column are checked where the row changes.</summary>
    public bool ActivateLease(string leaseId, string? accessKeyId, LeaseOwner? owner = null) =>
        _db.Execute($"""
            UPDATE leases SET state = 'Active', access_key_id = $akid, {NoOwner}
            WHERE lease_id = $id AND state = 'Pending'
              AND EXISTS (SELECT 1 FROM mounts WHERE path = leases.mount AND disabling = 0)
              AND ($checkOwner = 0 OR ({OwnerMatches}));
            """,
            [("$id", leaseId), ("$akid", accessKeyId), ("$checkOwner", owner is null ? 0 : 1), .. OwnerParameters("", owner)]) == 1;

    /// <summary>A compare-and-swap in one UPDATE: NULL-safe (<c>IS</c>) comparison of every owner column, the deadline included.</summary>
    public bool ClaimLease(string leaseId, LeaseOwner? expected, LeaseOwner? claimant) =>
        _db.Execute($"""
            UPDATE leases SET owner_host = $new_host, owner_pid = $new_pid, owner_start = $new_start, owner_deadline = $new_deadline
            WHERE lease_id = $id AND {OwnerMatches};
            """,
            [("$id", leaseId), .. OwnerParameters("", expected), .. OwnerParameters("new_", claimant)]) == 1;

    private const string NoOwner = "owner_host = NULL, owner_pid = NULL, owner_start = NULL, owner_deadline = NULL";

    private const string OwnerMatches = "owner_host IS $host AND owner_pid IS $pid AND owner_start IS $start AND owner_deadline IS $deadline";

    public bool MarkUserCreated(string leaseId) =>
        _db.Execute("UPDATE leases SET user_created = 1 WHERE lease_id = $id AND state = 'Pending';", ("$id", leaseId)) == 1;

    public bool WasUserCreated(string leaseId) =>
        Convert.ToInt64(_db.Scalar("SELECT COUNT(*) FROM leases WHERE lease_id = $id AND user_created = 1;", ("$id", leaseId))) > 0;

    public bool UpdateLeaseExpiry(string leaseId, DateTimeOffset expireTime, DateTimeOffset renewedAt) =>
        _db.Execute("UPDATE leases SET expire_time = $expire, last_renewal_time = $renewed WHERE lease_id = $id AND state = 'Active';",
            ("$id", leaseId), ("$expire", Ms(expireTime)), ("$renewed", Ms(renewedAt))) == 1;

    /// <summary>Deletes the lease; its cache entry goes with it (foreign key).</summary>
    public bool DeleteLease(string leaseId) =>
        _db.Execute("DELETE FROM leases WHERE lease_id = $id;", ("$id", leaseId)) == 1;

    public void RememberRevokedLease(string leaseId, DateTimeOffset keepUntil, DateTimeOffset now) =>
        _db.Execute(
            "DELETE FROM revoked_leases WHERE keep_until <= $now; INSERT OR REPLACE INTO revoked_leases (lease_id, keep_until) VALUES ($id, $until);",
            ("$id", leaseId), ("$until", Ms(keepUntil)), ("$now", Ms(now)));

    public bool WasLeaseRevoked(string leaseId, DateTimeOffset now) =>
        Convert.ToInt64(_db.Scalar("SELECT COUNT(*) FROM revoked_leases WHERE lease_id = $id AND keep_until > $now;", ("$id", leaseId), ("$now", Ms(now)))) > 0;

    public LeaseRecord? GetLease(string leaseId) =>
        _db.Query($"SELECT {LeaseColumns} FROM leases WHERE lease_id = $id;", ReadLease, ("$id", leaseId)).FirstOrDefault();

    /// <summary>
    /// A range scan on the primary key. SQLite compares text as UTF-8 bytes, so the ids that start with the prefix are
    /// those from its bytes up to (not including) its bytes with the last one raised by one.
    /// </summary>
    public IReadOnlyList<LeaseRecord> ListLeasesByPrefix(string prefix, bool activeOnly = true)
    {
        var state = activeOnly ? " AND state = 'Active'" : string.Empty;
        if (prefix.Length == 0)
        {
            return _db.Query($"SELECT {LeaseColumns} FROM leases WHERE 1 = 1{state} ORDER BY lease_id;", ReadLease);
        }

        return _db.Query($"SELECT {LeaseColumns} FROM leases WHERE lease_id >= $lo AND lease_id < CAST($hi AS TEXT){state} ORDER BY lease_id;",
            ReadLease, ("$lo", prefix), ("$hi", PrefixUpperBound(prefix)));
    }

    /// <summary>
    /// The UTF-8 bytes just above every string that starts with <paramref name="prefix"/>. The last byte of UTF-8 text
    /// is below 0xC0, so raising it never carries; the result need not be valid UTF-8, which is why it is bound as a BLOB.
    /// </summary>
    private static byte[] PrefixUpperBound(string prefix)
    {
        var bytes = Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return bytes;
    }

    public IReadOnlyList<LeaseRecord> ListPendingLeases() =>
        _db.Query($"SELECT {LeaseColumns} FROM leases WHERE state = 'Pending' ORDER BY issue_time;", ReadLease);

    public IReadOnlyList<LeaseRecord> ListExpiredLeases(DateTimeOffset now) =>
        _db.Query($"SELECT {LeaseColumns} FROM leases WHERE state = 'Active' AND expire_time <= $now ORDER BY expire_time;", ReadLease, ("$now", Ms(now)));

    public IReadOnlySet<string> ListLeaseUserNames() =>
        _db.Query("SELECT user_name FROM leases WHERE user_name IS NOT NULL;", r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);

    public long CountLeases(string mount) =>
        Convert.ToInt64(_db.Scalar("SELECT COUNT(*) FROM leases WHERE mount = $mount AND state = 'Active';", ("$mount", mount)));

    public int ImportLeases(IEnumerable<LeaseRecord> leases) => _db.Atomically(() =>
        leases.Sum(l => _db.Execute($"INSERT INTO leases ({LeaseColumns}) VALUES ({LeaseValues}) ON CONFLICT (lease_id) DO NOTHING;", LeaseParameters(l))));

    // ---- sealed secrets and the credential cache -----------------------------------------------

    public bool HasSealedSecrets() =>
        Convert.ToInt64(_db.Scalar("SELECT (SELECT COUNT(*) FROM root_config WHERE secret_key IS NOT NULL) + (SELECT COUNT(*) FROM credential_cache);")) > 0
        || _staticRoles.Any();

    /// <summary>How many credential_process cache entries the store holds (what a copy into another store leaves behind).</summary>
    public int CountCachedCredentials() =>
        Convert.ToInt32(_db.Scalar("SELECT COUNT(*) FROM credential_cache;"));

    /// <summary>Writes nothing once the lease is gone: an entry lives only as long as its lease.</summary>
    public void PutCachedCredential(string leaseId, string mount, string role, string requestKey, byte[] sealedSecrets) =>
        _db.Execute("""
            INSERT INTO credential_cache (lease_id, mount, role, request_key, sealed)
            SELECT $id, $mount, $role, $key, $sealed WHERE EXISTS (SELECT 1 FROM leases WHERE lease_id = $id)
            ON CONFLICT (lease_id) DO UPDATE SET request_key = excluded.request_key, sealed = excluded.sealed;
            """,
            ("$id", leaseId), ("$mount", mount), ("$role", role), ("$key", requestKey), ("$sealed", sealedSecrets));

    public IReadOnlyList<(LeaseRecord Lease, byte[] Sealed)> ListCachedCredentials(string requestKey, DateTimeOffset now)
    {
        var columns = string.Join(", ", LeaseColumns.Split(',').Select(c => "l." + c.Trim()));
        return _db.Query($"""
            SELECT {columns}, c.sealed FROM credential_cache c JOIN leases l ON l.lease_id = c.lease_id
            WHERE c.request_key = $key AND l.state = 'Active' AND l.expire_time > $now
            ORDER BY l.expire_time DESC;
            """,
            r => (ReadLease(r), (byte[])r.GetValue(LeaseColumnCount)),
            ("$key", requestKey), ("$now", Ms(now)));
    }

    public void DeleteCachedCredential(string leaseId) =>
        _db.Execute("DELETE FROM credential_cache WHERE lease_id = $id;", ("$id", leaseId));

    public void DeleteCachedCredentials(string mount, string? role = null) =>
        _db.Execute("DELETE FROM credential_cache WHERE mount = $mount AND ($role IS NULL OR role = $role);", ("$mount", mount), ("$role", role));

    /// <summary>A lock file beside the store (<see cref="RequestLock"/>), so every process using the file shares it.</summary>
    public async Task<IDisposable> LockRequestAsync(string requestKey, TimeSpan timeout, Action? waiting, CancellationToken ct) =>
        await RequestLock.AcquireAsync(Path, requestKey, timeout, waiting, ct).ConfigureAwait(false);

    // ---- static roles -----------------------------------------------------------------------

    public StaticRoleRecord? UpdateStaticRole(string mount, string name, Func<StaticRoleRecord?, StaticRoleRecord> change) =>
        _staticRoles.Update(mount, name, change);

    public StaticRoleRecord? GetStaticRole(string mount, string name) => _staticRoles.Get(mount, name);

    public IReadOnlyList<StaticRoleRecord> ListStaticRoles(string mount) => _staticRoles.List(mount);

    public IReadOnlyList<StaticRoleRecord> ListDueStaticRoles(DateTimeOffset now) => _staticRoles.ListDue(now);

    public bool DeleteStaticRole(string mount, string name) => _staticRoles.Delete(mount, name);

    public void Dispose() => _db.Dispose();
}
