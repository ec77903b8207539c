using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace DynamicAwsCreds.Engine.Store.Sqlite;

/// <summary>
/// Records to statement parameters and rows back to records. Times are kept as Unix milliseconds, durations as
/// milliseconds, lists as JSON arrays (NULL when empty), flags as 0/1.
/// </summary>
internal static class SqliteRows
{
    public const string MountColumns = "path, type, description, default_lease_ttl_ms, max_lease_ttl_ms, created_at";

    public const string RootConfigColumns = """
        mount, access_key, secret_key, region, iam_endpoint, sts_endpoint, max_retries, username_template,
            sts_region, sts_fallback_endpoints, sts_fallback_regions, endpoints_vetted, generation
        """;

    public const string RoleColumns = "mount, name, definition, updated_at";

    public const string LeaseColumns = """
        lease_id, mount, role, credential_type, state, issue_time, expire_time, max_expire_time, last_renewal_time,
        renewable, user_name, access_key_id, assumed_role_arn, owner_host, owner_pid, owner_start, owner_deadline
        """;

    /// <summary>The parameters of <see cref="LeaseColumns"/>, in order.</summary>
    public const string LeaseValues = "$id, $mount, $role, $type, $state, $issue, $expire, $max, $renewal, $renewable, $user, $akid, $arn, $host, $pid, $start, $deadline";

    public static (string, object?)[] MountParameters(MountRecord m) =>
    [
        ("$path", m.Path), ("$type", m.Type), ("$description", m.Description),
        ("$default", Ms(m.DefaultLeaseTtl)), ("$max", Ms(m.MaxLeaseTtl)), ("$created", Ms(m.CreatedAt)),
    ];

    public static MountRecord ReadMount(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), NullableString(r, 2), NullableSpan(r, 3), NullableSpan(r, 4), Time(r.GetInt64(5)));

    public static (string, object?)[] RootConfigParameters(RootConfigRecord c, long generation) =>
    [
        ("$mount", c.Mount), ("$ak", c.AccessKey), ("$sk", c.SecretKeyCiphertext), ("$region", c.Region),
        ("$iam", c.IamEndpoint), ("$sts", c.StsEndpoint), ("$retries", c.MaxRetries), ("$template", c.UsernameTemplate),
        ("$stsRegion", c.StsRegion), ("$fallbackEndpoints", JsonList(c.StsFallbackEndpoints)), ("$fallbackRegions", JsonList(c.StsFallbackRegions)),
        ("$vetted", c.EndpointsVetted ? 1 : 0), ("$generation", generation),
    ];

    public static RootConfigRecord ReadRootConfig(SqliteDataReader r) =>
        new(r.GetString(0), NullableString(r, 1), r.IsDBNull(2) ? null : (byte[])r.GetValue(2),
            NullableString(r, 3), NullableString(r, 4), NullableString(r, 5), r.IsDBNull(6) ? null : r.GetInt32(6), NullableString(r, 7))
        {
            StsRegion = NullableString(r, 8),
            StsFallbackEndpoints = ReadJsonList(r, 9),
            StsFallbackRegions = ReadJsonList(r, 10),
            EndpointsVetted = r.GetInt64(11) != 0,
            Generation = r.GetInt64(12),
        };

    public static LeaseConfigRecord ReadLeaseConfig(SqliteDataReader r) =>
        new(r.GetString(0), TimeSpan.FromMilliseconds(r.GetInt64(1)), TimeSpan.FromMilliseconds(r.GetInt64(2)));

    public static RoleRecord ReadRole(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), Time(r.GetInt64(3)));

    public static (string, object?)[] LeaseParameters(LeaseRecord l) =>
    [
        ("$id", l.LeaseId), ("$mount", l.Mount), ("$role", l.Role), ("$type", l.CredentialType), ("$state", l.State.ToString()),
        ("$issue", Ms(l.IssueTime)), ("$expire", Ms(l.ExpireTime)), ("$max", Ms(l.MaxExpireTime)), ("$renewal", Ms(l.LastRenewalTime)),
        ("$renewable", l.Renewable ? 1 : 0), ("$user", l.UserName), ("$akid", l.AccessKeyId), ("$arn", l.AssumedRoleArn),
        .. OwnerParameters("", l.Owner),
    ];

    /// <summary>An owner's four columns as parameters named <c>$host</c>, <c>$pid</c>, <c>$start</c>, <c>$deadline</c> after <paramref name="prefix"/>.</summary>
    public static (string, object?)[] OwnerParameters(string prefix, LeaseOwner? o) =>
    [
        ($"${prefix}host", o?.Host), ($"${prefix}pid", o?.ProcessId), ($"${prefix}start", Ms(o?.ProcessStart)), ($"${prefix}deadline", Ms(o?.Deadline)),
    ];

    /// <summary>The number of <see cref="LeaseColumns"/>: a query's own columns follow them.</summary>
    public const int LeaseColumnCount = 17;

    /// <summary>A lease from the first <see cref="LeaseColumnCount"/> columns, in <see cref="LeaseColumns"/> order.</summary>
    public static LeaseRecord ReadLease(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Enum.Parse<LeaseState>(r.GetString(4)),
        Time(r.GetInt64(5)), Time(r.GetInt64(6)), Time(r.GetInt64(7)), r.IsDBNull(8) ? null : Time(r.GetInt64(8)),
        r.GetInt64(9) != 0, NullableString(r, 10), NullableString(r, 11), NullableString(r, 12),
        r.IsDBNull(13) ? null : new LeaseOwner(r.GetString(13), r.GetInt32(14), Time(r.GetInt64(15))) { Deadline = r.IsDBNull(16) ? null : Time(r.GetInt64(16)) });

    public static long? Ms(TimeSpan? t) => t is { } v ? (long)v.TotalMilliseconds : null;

    public static long? Ms(DateTimeOffset? t) => t?.ToUnixTimeMilliseconds();

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static TimeSpan? NullableSpan(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : TimeSpan.FromMilliseconds(r.GetInt64(i));

    private static string? NullableString(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static string? JsonList(IReadOnlyList<string> values) => values.Count == 0 ? null : JsonSerializer.Serialize(values);

    private static IReadOnlyList<string> ReadJsonList(SqliteDataReader r, int ordinal) =>
        r.IsDBNull(ordinal) ? [] : JsonSerializer.Deserialize<string[]>(r.GetString(ordinal)) ?? [];
}
