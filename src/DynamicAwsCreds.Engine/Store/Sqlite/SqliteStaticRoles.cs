using Microsoft.Data.Sqlite;

namespace DynamicAwsCreds.Engine.Store.Sqlite;

/// <summary>The static_roles table of the SQLite store: each read-then-write one transaction, rows going with their mount (foreign key).</summary>
internal sealed class SqliteStaticRoles(SqliteDatabase db)
{
    private const string Columns =
        "mount, name, user_name, rotation_period_ms, access_key_id, secret_key, previous_access_key_id, last_rotated, next_rotation";

    public StaticRoleRecord? Update(string mount, string name, Func<StaticRoleRecord?, StaticRoleRecord> change) => db.Atomically(() =>
    {
        if (Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM mounts WHERE path = $mount;", ("$mount", mount))) == 0)
        {
            return null;
        }

        var record = StoredCopies.Of(change(Get(mount, name)));
        StoredCopies.CheckSameKey("mount", mount, record.Mount);
        StoredCopies.CheckSameKey("static role name", name, record.Name);
        db.Execute($"""
            INSERT INTO static_roles ({Columns}) VALUES ($mount, $name, $user, $period, $akid, $secret, $previous, $last, $next)
            ON CONFLICT (mount, name) DO UPDATE SET user_name = excluded.user_name, rotation_period_ms = excluded.rotation_period_ms,
                access_key_id = excluded.access_key_id, secret_key = excluded.secret_key,
                previous_access_key_id = excluded.previous_access_key_id, last_rotated = excluded.last_rotated,
                next_rotation = excluded.next_rotation;
            """,
            ("$mount", record.Mount), ("$name", record.Name), ("$user", record.UserName),
            ("$period", (long)record.RotationPeriod.TotalMilliseconds), ("$akid", record.AccessKeyId), ("$secret", record.SecretKeyCiphertext),
            ("$previous", record.PreviousAccessKeyId), ("$last", record.LastRotated.ToUnixTimeMilliseconds()),
            ("$next", record.NextRotation.ToUnixTimeMilliseconds()));
        return Get(mount, name);
    });

    public StaticRoleRecord? Get(string mount, string name) =>
        db.Query($"SELECT {Columns} FROM static_roles WHERE mount = $mount AND name = $name;", Read, ("$mount", mount), ("$name", name)).FirstOrDefault();

    public IReadOnlyList<StaticRoleRecord> List(string mount) =>
        db.Query($"SELECT {Columns} FROM static_roles WHERE mount = $mount ORDER BY name;", Read, ("$mount", mount));

    public IReadOnlyList<StaticRoleRecord> ListDue(DateTimeOffset now) =>
        db.Query($"SELECT {Columns} FROM static_roles WHERE next_rotation <= $now ORDER BY next_rotation, mount, name;", Read,
            ("$now", now.ToUnixTimeMilliseconds()));

    public bool Delete(string mount, string name) =>
        db.Execute("DELETE FROM static_roles WHERE mount = $mount AND name = $name;", ("$mount", mount), ("$name", name)) == 1;

    public bool Any() => Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM static_roles;")) > 0;

    private static StaticRoleRecord Read(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), TimeSpan.FromMilliseconds(r.GetInt64(3)), r.GetString(4), (byte[])r.GetValue(5),
        r.IsDBNull(6) ? null : r.GetString(6), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)));
}
