using System.Text;
using Microsoft.Data.Sqlite;

namespace DynamicAwsCreds.Engine.Store;

/// <summary>
/// The per-user SQLite store: mounts, configs, roles and leases. It knows SQL and nothing of AWS.
/// Every statement is parameterised; every transaction is short and never spans an AWS call.
/// A pooled connection per call keeps it safe to use from many threads at once.
/// </summary>
public sealed class LeaseStore : ILeaseStore
{
    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();
    private readonly string _connectionString;

    private LeaseStore(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    public string Location => Path;

    /// <summary>The random id made when the store was created; every IAM user it issues names it.</summary>
    public string StoreId { get; private set; } = string.Empty;

    private static string EnsureStoreId(SqliteConnection c)
    {
        // Two processes opening a new store at once both insert; the first one wins and both read it back.
        using (var insert = c.CreateCommand())
        {
            insert.CommandText = "INSERT INTO store_meta (key, value) VALUES ('store_id', $id) ON CONFLICT (key) DO NOTHING;";
            insert.Parameters.AddWithValue("$id", Config.SecureRandom.Base62(StoreIdLength));
            insert.ExecuteNonQuery();
        }

        using var read = c.CreateCommand();
        read.CommandText = "SELECT value FROM store_meta WHERE key = 'store_id';";
        return (string)read.ExecuteScalar()!;
    }

    public const int StoreIdLength = 20;

    /// <summary>Opens (creating with owner-only permissions if needed) and migrates the store at <paramref name="path"/>.</summary>
    public static LeaseStore Open(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        StoreFiles.EnsurePrivateFile(path, SqliteHeader);
        var store = new LeaseStore(path);
        try
        {
            using var c = store.Connect();
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

    // ---- mounts ---------------------------------------------------------------------------

    /// <summary>Adds a mount; false when the path is already enabled.</summary>
    public bool TryAddMount(MountRecord m)
    {
        return Execute("""
            INSERT INTO mounts (path, type, description, default_lease_ttl_ms, max_lease_ttl_ms, created_at)
            VALUES ($path, $type, $description, $default, $max, $created)
            ON CONFLICT (path) DO NOTHING;
            """,
            ("$path", m.Path), ("$type", m.Type), ("$description", m.Description),
            ("$default", Ms(m.DefaultLeaseTtl)), ("$max", Ms(m.MaxLeaseTtl)), ("$created", Ms(m.CreatedAt))) == 1;
    }

    public MountRecord? AddMount(MountRecord mount) => Atomically(() =>
    {
        // As Vault, mounts may not nest: a prefix revoke of one would reach into the other.
        var clash = ListMounts().FirstOrDefault(m => m.Path == mount.Path
            || mount.Path.StartsWith(m.Path + "/", StringComparison.Ordinal) || m.Path.StartsWith(mount.Path + "/", StringComparison.Ordinal));
        return clash ?? (TryAddMount(mount) ? null : GetMount(mount.Path));
    });

    public MountRecord? GetMount(string path) =>
        Query("SELECT path, type, description, default_lease_ttl_ms, max_lease_ttl_ms, created_at FROM mounts WHERE path = $path;",
            ReadMount, ("$path", path)).FirstOrDefault();

    public IReadOnlyList<MountRecord> ListMounts() =>
        Query("SELECT path, type, description, default_lease_ttl_ms, max_lease_ttl_ms, created_at FROM mounts ORDER BY path;", ReadMount);

    /// <summary>True while the mount is enabled and not being disabled.</summary>
    public bool MountTakesLeases(string path) =>
        Convert.ToInt64(Scalar("SELECT COUNT(*) FROM mounts WHERE path = $path AND disabling = 0;", ("$path", path))) > 0;

    /// <summary>Marks a mount as being disabled (or no longer): while marked, it takes no new lease and activates no intent.</summary>
    public bool SetMountDisabling(string path, bool disabling) =>
        Execute("UPDATE mounts SET disabling = $d WHERE path = $path;", ("$path", path), ("$d", disabling ? 1 : 0)) == 1;

    /// <summary>Removes a mount with its root config, lease config and roles (not its leases).</summary>
    public bool RemoveMount(string path) =>
        Execute("DELETE FROM mounts WHERE path = $path;", ("$path", path)) == 1;

    private static MountRecord ReadMount(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), NullableString(r, 2), NullableSpan(r, 3), NullableSpan(r, 4), Time(r.GetInt64(5)));

    // ---- root and lease config --------------------------------------------------------------

    /// <summary>Writes the root config with a new <see cref="RootConfigRecord.Generation"/>.</summary>
    public void PutRootConfig(RootConfigRecord c) =>
        Execute("""
            INSERT INTO root_config (mount, access_key, secret_key, region, iam_endpoint, sts_endpoint, max_retries, username_template,
                sts_region, sts_fallback_endpoints, sts_fallback_regions, endpoints_vetted, generation)
            VALUES ($mount, $ak, $sk, $region, $iam, $sts, $retries, $template, $stsRegion, $fallbackEndpoints, $fallbackRegions, $vetted, $generation)
            ON CONFLICT (mount) DO UPDATE SET access_key = excluded.access_key, secret_key = excluded.secret_key,
                region = excluded.region, iam_endpoint = excluded.iam_endpoint, sts_endpoint = excluded.sts_endpoint,
                max_retries = excluded.max_retries, username_template = excluded.username_template,
                sts_region = excluded.sts_region, sts_fallback_endpoints = excluded.sts_fallback_endpoints,
                sts_fallback_regions = excluded.sts_fallback_regions, endpoints_vetted = excluded.endpoints_vetted,
                generation = excluded.generation;
            """,
            ("$mount", c.Mount), ("$ak", c.AccessKey), ("$sk", c.SecretKeyCiphertext), ("$region", c.Region),
            ("$iam", c.IamEndpoint), ("$sts", c.StsEndpoint), ("$retries", c.MaxRetries), ("$template", c.UsernameTemplate),
            ("$stsRegion", c.StsRegion), ("$fallbackEndpoints", JsonList(c.StsFallbackEndpoints)), ("$fallbackRegions", JsonList(c.StsFallbackRegions)),
            ("$vetted", c.EndpointsVetted ? 1 : 0), ("$generation", Random.Shared.NextInt64(1, long.MaxValue)));

    public RootConfigRecord? GetRootConfig(string mount) =>
        Query("""
            SELECT mount, access_key, secret_key, region, iam_endpoint, sts_endpoint, max_retries, username_template,
                sts_region, sts_fallback_endpoints, sts_fallback_regions, endpoints_vetted, generation
            FROM root_config WHERE mount = $mount;
            """,
            r => new RootConfigRecord(r.GetString(0), NullableString(r, 1), r.IsDBNull(2) ? null : (byte[])r.GetValue(2),
                NullableString(r, 3), NullableString(r, 4), NullableString(r, 5), r.IsDBNull(6) ? null : r.GetInt32(6), NullableString(r, 7))
            {
                StsRegion = NullableString(r, 8),
                StsFallbackEndpoints = ReadJsonList(r, 9),
                StsFallbackRegions = ReadJsonList(r, 10),
                EndpointsVetted = r.GetInt64(11) != 0,
                Generation = r.GetInt64(12),
            },
            ("$mount", mount)).FirstOrDefault();

    /// <summary>The root config's generation, null when the mount has none: one primary-key read, for change detection.</summary>
    public long? GetRootConfigGeneration(string mount) =>
        Scalar("SELECT generation FROM root_config WHERE mount = $mount;", ("$mount", mount)) is long g ? g : null;

    private static string? JsonList(IReadOnlyList<string> values) =>
        values.Count == 0 ? null : System.Text.Json.JsonSerializer.Serialize(values);

    private static IReadOnlyList<string> ReadJsonList(SqliteDataReader r, int ordinal) =>
        r.IsDBNull(ordinal) ? [] : System.Text.Json.JsonSerializer.Deserialize<string[]>(r.GetString(ordinal)) ?? [];

    public RootConfigRecord? UpdateRootConfig(string mount, Func<RootConfigRecord?, RootConfigRecord> change) => Atomically(() =>
    {
        if (GetMount(mount) is null)
        {
            return null;
        }

        var record = change(GetRootConfig(mount));
        PutRootConfig(record);
        return GetRootConfig(mount);
    });

    public bool PutLeaseConfig(LeaseConfigRecord c) =>
        Execute("""
            INSERT INTO lease_config (mount, lease_ms, lease_max_ms)
            SELECT $mount, $lease, $max WHERE EXISTS (SELECT 1 FROM mounts WHERE path = $mount)
            ON CONFLICT (mount) DO UPDATE SET lease_ms = excluded.lease_ms, lease_max_ms = excluded.lease_max_ms;
            """,
            ("$mount", c.Mount), ("$lease", Ms(c.Lease)), ("$max", Ms(c.LeaseMax))) == 1;

    public LeaseConfigRecord? GetLeaseConfig(string mount) =>
        Query("SELECT mount, lease_ms, lease_max_ms FROM lease_config WHERE mount = $mount;",
            r => new LeaseConfigRecord(r.GetString(0), TimeSpan.FromMilliseconds(r.GetInt64(1)), TimeSpan.FromMilliseconds(r.GetInt64(2))),
            ("$mount", mount)).FirstOrDefault();

    // ---- roles ------------------------------------------------------------------------------

    public void PutRole(RoleRecord role) =>
        Execute("""
            INSERT INTO roles (mount, name, definition, updated_at) VALUES ($mount, $name, $definition, $updated)
            ON CONFLICT (mount, name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at;
            """,
            ("$mount", role.Mount), ("$name", role.Name), ("$definition", role.DefinitionJson), ("$updated", Ms(role.UpdatedAt)));

    public RoleRecord? UpdateRole(string mount, string name, Func<RoleRecord?, RoleRecord> change) => Atomically(() =>
    {
        if (GetMount(mount) is null)
        {
            return null;
        }

        var record = change(GetRole(mount, name));
        PutRole(record);
        return record;
    });

    public RoleRecord? GetRole(string mount, string name) =>
        Query("SELECT mount, name, definition, updated_at FROM roles WHERE mount = $mount AND name = $name;",
            ReadRole, ("$mount", mount), ("$name", name)).FirstOrDefault();

    public IReadOnlyList<RoleRecord> ListRoles(string mount) =>
        Query("SELECT mount, name, definition, updated_at FROM roles WHERE mount = $mount ORDER BY name;", ReadRole, ("$mount", mount));

    public bool DeleteRole(string mount, string name) =>
        Execute("DELETE FROM roles WHERE mount = $mount AND name = $name;", ("$mount", mount), ("$name", name)) == 1;

    private static RoleRecord ReadRole(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), Time(r.GetInt64(3)));

    // ---- leases -----------------------------------------------------------------------------

    private const string LeaseColumns = """
        lease_id, mount, role, credential_type, state, issue_time, expire_time, max_expire_time, last_renewal_time,
        renewable, user_name, access_key_id, assumed_role_arn, owner_host, owner_pid, owner_start
        """;

    /// <summary>Writes a lease row (an intent, or an STS lease that is active at once).</summary>
    public void InsertLease(LeaseRecord l) =>
        Execute($"""
            INSERT INTO leases ({LeaseColumns})
            VALUES ($id, $mount, $role, $type, $state, $issue, $expire, $max, $renewal, $renewable, $user, $akid, $arn, $host, $pid, $start);
            """,
            LeaseParameters(l));

    private static (string, object?)[] LeaseParameters(LeaseRecord l) =>
    [
        ("$id", l.LeaseId), ("$mount", l.Mount), ("$role", l.Role), ("$type", l.CredentialType), ("$state", l.State.ToString()),
        ("$issue", Ms(l.IssueTime)), ("$expire", Ms(l.ExpireTime)), ("$max", Ms(l.MaxExpireTime)), ("$renewal", Ms(l.LastRenewalTime)),
        ("$renewable", l.Renewable ? 1 : 0), ("$user", l.UserName), ("$akid", l.AccessKeyId), ("$arn", l.AssumedRoleArn),
        ("$host", l.Owner?.Host), ("$pid", l.Owner?.ProcessId), ("$start", Ms(l.Owner?.ProcessStart)),
    ];

    /// <summary>
    /// Writes a new lease row (an intent, or an STS lease active at once) only while its mount is enabled and not
    /// being disabled: the check and the insert are one statement, so no lease can slip in behind a disable.
    /// </summary>
    public bool InsertLeaseUnderEnabledMount(LeaseRecord l) =>
        Execute($"""
            INSERT INTO leases ({LeaseColumns})
            SELECT $id, $mount, $role, $type, $state, $issue, $expire, $max, $renewal, $renewable, $user, $akid, $arn, $host, $pid, $start
            WHERE EXISTS (SELECT 1 FROM mounts WHERE path = $mount AND disabling = 0);
            """,
            LeaseParameters(l)) == 1;

    /// <summary>Turns an intent into an active lease once AWS has everything, clearing the owner; refused once its mount is being disabled or gone.</summary>
    public bool ActivateLease(string leaseId, string? accessKeyId) =>
        Execute("""
            UPDATE leases SET state = 'Active', access_key_id = $akid, owner_host = NULL, owner_pid = NULL, owner_start = NULL
            WHERE lease_id = $id AND state = 'Pending'
              AND EXISTS (SELECT 1 FROM mounts WHERE path = leases.mount AND disabling = 0);
            """,
            ("$id", leaseId), ("$akid", accessKeyId)) == 1;

    /// <summary>Records that CreateUser answered for this intent: from here on its user is provably this store's.</summary>
    public bool MarkUserCreated(string leaseId) =>
        Execute("UPDATE leases SET user_created = 1 WHERE lease_id = $id AND state = 'Pending';", ("$id", leaseId)) == 1;

    public bool WasUserCreated(string leaseId) =>
        Convert.ToInt64(Scalar("SELECT COUNT(*) FROM leases WHERE lease_id = $id AND user_created = 1;", ("$id", leaseId))) > 0;

    public bool UpdateLeaseExpiry(string leaseId, DateTimeOffset expireTime, DateTimeOffset renewedAt) =>
        Execute("UPDATE leases SET expire_time = $expire, last_renewal_time = $renewed WHERE lease_id = $id AND state = 'Active';",
            ("$id", leaseId), ("$expire", Ms(expireTime)), ("$renewed", Ms(renewedAt))) == 1;

    public bool DeleteLease(string leaseId) =>
        Execute("DELETE FROM leases WHERE lease_id = $id;", ("$id", leaseId)) == 1;

    public LeaseRecord? GetLease(string leaseId) =>
        Query($"SELECT {LeaseColumns} FROM leases WHERE lease_id = $id;", ReadLease, ("$id", leaseId)).FirstOrDefault();

    /// <summary>Leases whose id starts with <paramref name="prefix"/> (a range scan on the primary key), optionally only active ones.</summary>
    public IReadOnlyList<LeaseRecord> ListLeasesByPrefix(string prefix, bool activeOnly = true)
    {
        var state = activeOnly ? " AND state = 'Active'" : string.Empty;
        if (prefix.Length == 0)
        {
            return Query($"SELECT {LeaseColumns} FROM leases WHERE 1 = 1{state} ORDER BY lease_id;", ReadLease);
        }

        return Query($"SELECT {LeaseColumns} FROM leases WHERE lease_id >= $lo AND lease_id < $hi{state} ORDER BY lease_id;",
            ReadLease, ("$lo", prefix), ("$hi", PrefixUpperBound(prefix)));
    }

    public IReadOnlyList<LeaseRecord> ListPendingLeases() =>
        Query($"SELECT {LeaseColumns} FROM leases WHERE state = 'Pending' ORDER BY issue_time;", ReadLease);

    public IReadOnlyList<LeaseRecord> ListExpiredLeases(DateTimeOffset now) =>
        Query($"SELECT {LeaseColumns} FROM leases WHERE state = 'Active' AND expire_time <= $now ORDER BY expire_time;", ReadLease, ("$now", Ms(now)));

    /// <summary>Every IAM user name a lease row (active or intent) knows, for the orphan scan.</summary>
    public IReadOnlySet<string> ListLeaseUserNames() =>
        Query("SELECT user_name FROM leases WHERE user_name IS NOT NULL;", r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);

    public int ImportLeases(IEnumerable<LeaseRecord> leases) => Atomically(() =>
        leases.Sum(l => Execute($"""
            INSERT INTO leases ({LeaseColumns})
            VALUES ($id, $mount, $role, $type, $state, $issue, $expire, $max, $renewal, $renewable, $user, $akid, $arn, $host, $pid, $start)
            ON CONFLICT (lease_id) DO NOTHING;
            """,
            LeaseParameters(l))));

    public long CountLeases(string mount) =>
        Convert.ToInt64(Scalar("SELECT COUNT(*) FROM leases WHERE mount = $mount AND state = 'Active';", ("$mount", mount)));

    private static LeaseRecord ReadLease(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Enum.Parse<LeaseState>(r.GetString(4)),
        Time(r.GetInt64(5)), Time(r.GetInt64(6)), Time(r.GetInt64(7)), r.IsDBNull(8) ? null : Time(r.GetInt64(8)),
        r.GetInt64(9) != 0, NullableString(r, 10), NullableString(r, 11), NullableString(r, 12),
        r.IsDBNull(13) ? null : new LeaseOwner(r.GetString(13), r.GetInt32(14), Time(r.GetInt64(15))));

    /// <summary>The smallest string greater than every string that starts with <paramref name="prefix"/>.</summary>
    private static string PrefixUpperBound(string prefix)
    {
        var sb = new StringBuilder(prefix);
        sb[^1] = (char)(sb[^1] + 1);
        return sb.ToString();
    }

    /// <summary>True when any row holds a SecretBox ciphertext.</summary>
    public bool HasSealedSecrets() =>
        Convert.ToInt64(Scalar("SELECT (SELECT COUNT(*) FROM root_config WHERE secret_key IS NOT NULL) + (SELECT COUNT(*) FROM credential_cache);")) > 0;

    // ---- credential cache ------------------------------------------------------------------

    /// <summary>Keeps a lease's sealed secrets for reuse by requests with <paramref name="requestKey"/>; the row goes with its lease.</summary>
    public void PutCachedCredential(string leaseId, string mount, string role, string requestKey, byte[] sealedSecrets) =>
        Execute("""
            INSERT INTO credential_cache (lease_id, mount, role, request_key, sealed) VALUES ($id, $mount, $role, $key, $sealed)
            ON CONFLICT (lease_id) DO UPDATE SET request_key = excluded.request_key, sealed = excluded.sealed;
            """,
            ("$id", leaseId), ("$mount", mount), ("$role", role), ("$key", requestKey), ("$sealed", sealedSecrets));

    /// <summary>The cached credentials of <paramref name="requestKey"/> whose active lease lasts past <paramref name="now"/>, longest-lasting first.</summary>
    public IReadOnlyList<(LeaseRecord Lease, byte[] Sealed)> ListCachedCredentials(string requestKey, DateTimeOffset now)
    {
        var columns = string.Join(", ", LeaseColumns.Split(',').Select(c => "l." + c.Trim()));
        return Query($"""
            SELECT {columns}, c.sealed FROM credential_cache c JOIN leases l ON l.lease_id = c.lease_id
            WHERE c.request_key = $key AND l.state = 'Active' AND l.expire_time > $now
            ORDER BY l.expire_time DESC;
            """,
            r => (ReadLease(r), (byte[])r.GetValue(16)),
            ("$key", requestKey), ("$now", Ms(now)));
    }

    /// <summary>Forgets the cached credentials of one lease (the lease itself stays).</summary>
    public void DeleteCachedCredential(string leaseId) =>
        Execute("DELETE FROM credential_cache WHERE lease_id = $id;", ("$id", leaseId));

    /// <summary>Forgets the cached credentials of a mount, or of one of its roles (the leases stay).</summary>
    public void DeleteCachedCredentials(string mount, string? role = null) =>
        Execute("DELETE FROM credential_cache WHERE mount = $mount AND ($role IS NULL OR role = $role);", ("$mount", mount), ("$role", role));

    // ---- atomic changes ---------------------------------------------------------------------

    // The write transaction this thread is inside, if any: its statements use that connection.
    [ThreadStatic]
    private static (LeaseStore Store, SqliteConnection Connection, SqliteTransaction Transaction)? _current;

    public async Task<IDisposable> LockRequestAsync(string requestKey, TimeSpan timeout, Action? waiting, CancellationToken ct) =>
        await RequestLock.AcquireAsync(Path, requestKey, timeout, waiting, ct).ConfigureAwait(false);

    /// <summary>
    /// Runs <paramref name="work"/> (reads, then writes, through this store's methods, never an AWS call) in one
    /// write transaction taken up front (BEGIN IMMEDIATE), so a read-then-write in another process cannot interleave.
    /// Nested calls join the outer transaction.
    /// </summary>
    public T Atomically<T>(Func<T> work)
    {
        if (_current is { } outer && ReferenceEquals(outer.Store, this))
        {
            return work();
        }

        return Translated(() =>
        {
            using var c = Connect();
            using var tx = c.BeginTransaction(deferred: false);
            _current = (this, c, tx);
            try
            {
                var result = work();
                tx.Commit();
                return result;
            }
            finally
            {
                _current = null;
            }
        });
    }

    // ---- plumbing ---------------------------------------------------------------------------

    private SqliteConnection Connect()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        using var pragmas = c.CreateCommand();
        pragmas.CommandText = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;";
        pragmas.ExecuteNonQuery();
        return c;
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters) =>
        WithCommand(sql, parameters, cmd => cmd.ExecuteNonQuery());

    private object? Scalar(string sql, params (string Name, object? Value)[] parameters) =>
        WithCommand(sql, parameters, cmd => cmd.ExecuteScalar());

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters) =>
        WithCommand(sql, parameters, cmd =>
        {
            using var r = cmd.ExecuteReader();
            var list = new List<T>();
            while (r.Read())
            {
                list.Add(read(r));
            }

            return list;
        });

    /// <summary>One statement: inside this thread's <see cref="Atomically"/> transaction if there is one, else on a pooled connection of its own.</summary>
    private T WithCommand<T>(string sql, (string Name, object? Value)[] parameters, Func<SqliteCommand, T> run) => Translated(() =>
    {
        if (_current is { } tx && ReferenceEquals(tx.Store, this))
        {
            using var inTx = Command(tx.Connection, sql, parameters);
            inTx.Transaction = tx.Transaction;
            return run(inTx);
        }

        using var c = Connect();
        using var cmd = Command(c, sql, parameters);
        return run(cmd);
    });

    /// <summary>SQLite's failures once the store is open, as DynamicAwsCreds errors naming the store (SQLite's messages hold no values).</summary>
    private T Translated<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (SqliteException ex)
        {
            throw ex.SqliteErrorCode switch
            {
                5 or 6 => new EngineException("StoreBusy", ErrorKind.ResourceBusy, Path,
                    $"The store '{Path}' stayed locked by another process for 30 seconds ({ex.Message.TrimEnd('.')}). Try again.", ex),
                11 or 26 => new EngineException("StoreCorrupt", ErrorKind.InvalidData, Path,
                    $"The store '{Path}' is damaged ({ex.Message.TrimEnd('.')}). Nothing more was written; move it aside to start a new one.", ex),
                _ => new EngineException("StoreUnavailable", ErrorKind.ResourceUnavailable, Path,
                    $"The store '{Path}' cannot be used: {ex.Message.TrimEnd('.')}. Check the disk and the file's permissions.", ex),
            };
        }
    }

    private static SqliteCommand Command(SqliteConnection c, string sql, (string Name, object? Value)[] parameters)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd;
    }

    private static long? Ms(TimeSpan? t) => t is { } v ? (long)v.TotalMilliseconds : null;
    private static long? Ms(DateTimeOffset? t) => t?.ToUnixTimeMilliseconds();
    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    private static TimeSpan? NullableSpan(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : TimeSpan.FromMilliseconds(r.GetInt64(i));
    private static string? NullableString(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    public void Dispose()
    {
        // Pooled connections keep the file open; release them so another process (or a test) can remove it.
        using var c = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(c);
    }
}
