using Microsoft.Data.Sqlite;

namespace DynamicAwsCreds.Engine.Store.Sqlite;

/// <summary>The store's tables, as forward migrations: index i upgrades version i to i + 1.</summary>
internal static class Schema
{
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE mounts (
            path TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            description TEXT,
            default_lease_ttl_ms INTEGER,
            max_lease_ttl_ms INTEGER,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE root_config (
            mount TEXT PRIMARY KEY REFERENCES mounts(path) ON DELETE CASCADE,
            access_key TEXT,
            secret_key BLOB,
            region TEXT,
            iam_endpoint TEXT,
            sts_endpoint TEXT,
            max_retries INTEGER,
            username_template TEXT
        );
        CREATE TABLE lease_config (
            mount TEXT PRIMARY KEY REFERENCES mounts(path) ON DELETE CASCADE,
            lease_ms INTEGER NOT NULL,
            lease_max_ms INTEGER NOT NULL
        );
        CREATE TABLE roles (
            mount TEXT NOT NULL REFERENCES mounts(path) ON DELETE CASCADE,
            name TEXT NOT NULL,
            definition TEXT NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (mount, name)
        );
        CREATE TABLE leases (
            lease_id TEXT PRIMARY KEY,
            mount TEXT NOT NULL,
            role TEXT NOT NULL,
            credential_type TEXT NOT NULL,
            state TEXT NOT NULL,
            issue_time INTEGER NOT NULL,
            expire_time INTEGER NOT NULL,
            max_expire_time INTEGER NOT NULL,
            last_renewal_time INTEGER,
            renewable INTEGER NOT NULL,
            user_name TEXT,
            access_key_id TEXT,
            assumed_role_arn TEXT,
            owner_host TEXT,
            owner_pid INTEGER,
            owner_start INTEGER
        );
        CREATE INDEX leases_by_expiry ON leases(expire_time);
        CREATE INDEX leases_by_mount_role ON leases(mount, role);
        """,
        // 2: the opt-in credential cache for credential_process (secrets sealed by the store's sealer).
        """
        CREATE TABLE credential_cache (
            lease_id TEXT PRIMARY KEY REFERENCES leases(lease_id) ON DELETE CASCADE,
            mount TEXT NOT NULL,
            role TEXT NOT NULL,
            sealed BLOB NOT NULL
        );
        CREATE INDEX credential_cache_by_role ON credential_cache(mount, role);
        """,
        // 3: every issue looks for abandoned intents; keep that off a full scan of a large store.
        """
        CREATE INDEX leases_pending ON leases(issue_time) WHERE state = 'Pending';
        """,
        // 4: the store's own id (named in every issued user's ownership marker), and whether an intent's
        // CreateUser was answered, so recovery deletes only a user this store is known to have made.
        """
        CREATE TABLE store_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        ALTER TABLE leases ADD COLUMN user_created INTEGER NOT NULL DEFAULT 0;
        """,
        // 5: credential_process cache entries keyed by the whole request (mount, role, type, definition, role ARN,
        // session name, TTL); rows written before have no key, so they never match and go with their lease.
        """
        ALTER TABLE credential_cache ADD COLUMN request_key TEXT;
        CREATE INDEX credential_cache_by_request ON credential_cache(request_key);
        """,
        // 6: Vault's STS region and fallbacks; whether the endpoints passed the safe-endpoint rules when written (rows
        // from before did not, so their custom hosts are not used until confirmed); and a generation that every write
        // renews, which engines in other processes compare (a primary-key read) to notice a changed root config.
        """
        ALTER TABLE root_config ADD COLUMN sts_region TEXT;
        ALTER TABLE root_config ADD COLUMN sts_fallback_endpoints TEXT;
        ALTER TABLE root_config ADD COLUMN sts_fallback_regions TEXT;
        ALTER TABLE root_config ADD COLUMN endpoints_vetted INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE root_config ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
        """,
        // 7: a mount being disabled takes no new leases, so none can outlive it.
        """
        ALTER TABLE mounts ADD COLUMN disabling INTEGER NOT NULL DEFAULT 0;
        """,
        // 8: an owner's heartbeat deadline (Unix ms): an intent or claim whose deadline passed may be taken over by any
        // host. Owners written before have none and are judged by their process and age as before.
        """
        ALTER TABLE leases ADD COLUMN owner_deadline INTEGER;
        """,
        // 9: static roles: the existing IAM user whose access key the store manages, its sealed secret, and the key a
        // rotation replaced until it is deleted; they go with their mount.
        """
        CREATE TABLE static_roles (
            mount TEXT NOT NULL REFERENCES mounts(path) ON DELETE CASCADE,
            name TEXT NOT NULL,
            user_name TEXT NOT NULL,
            rotation_period_ms INTEGER NOT NULL,
            access_key_id TEXT NOT NULL,
            secret_key BLOB NOT NULL,
            previous_access_key_id TEXT,
            last_rotated INTEGER NOT NULL,
            next_rotation INTEGER NOT NULL,
            PRIMARY KEY (mount, name)
        );
        CREATE INDEX static_roles_by_next_rotation ON static_roles(next_rotation);
        """,
        // 10: tombstones of revoked leases (Unix ms to keep them until), so revoking a lease twice succeeds quietly.
        """
        CREATE TABLE revoked_leases (
            lease_id TEXT PRIMARY KEY,
            keep_until INTEGER NOT NULL
        );
        CREATE INDEX revoked_leases_by_time ON revoked_leases(keep_until);
        """,
    ];

    public static int CurrentVersion => Migrations.Length;

    /// <summary>Brings the store to <see cref="CurrentVersion"/>; refuses a store written by a newer module.</summary>
    public static void Migrate(SqliteConnection connection, string storePath) => Migrate(connection, storePath, CurrentVersion);

    /// <summary>Migrates up to <paramref name="target"/>: tests use it to make a store as an older module left it.</summary>
    internal static void Migrate(SqliteConnection connection, string storePath, int target)
    {
        using var tx = connection.BeginTransaction(deferred: false);
        var version = Convert.ToInt32(Scalar(connection, tx, "PRAGMA user_version;"));
        if (version > CurrentVersion)
        {
            throw new EngineException("StoreTooNew", ErrorKind.InvalidData, storePath,
                $"The store '{storePath}' has schema version {version}, newer than this module understands ({CurrentVersion}). Update DynamicAwsCreds; the store was left untouched.");
        }

        for (var v = version; v < target; v++)
        {
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = Migrations[v];
            cmd.ExecuteNonQuery();
        }

        if (version < target)
        {
            using var set = connection.CreateCommand();
            set.Transaction = tx;
            // PRAGMA takes no parameters; the value is an int we own.
            set.CommandText = $"PRAGMA user_version = {target};";
            set.ExecuteNonQuery();
        }

        tx.Commit();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
