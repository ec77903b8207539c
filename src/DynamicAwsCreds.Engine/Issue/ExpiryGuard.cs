using System.Globalization;
using System.Text.Json;

namespace DynamicAwsCreds.Engine.Issue;

/// <summary>
/// Who made an IAM user, as its expiry guard tells anyone who can read IAM: this module, the store's id, the
/// lease id and the lease's expiry.
/// </summary>
public sealed record OwnershipMarker(string StoreId, string LeaseId, DateTimeOffset Expiry)
{
    /// <summary>
    /// True once the lease has certainly ended: the document keeps whole seconds (cut, not rounded), so a
    /// marker read back from IAM may be up to a second early.
    /// </summary>
    public bool HasExpired(DateTimeOffset now) => Expiry.AddSeconds(1) <= now;
}

/// <summary>
/// The inline policy every issued IAM user carries. Its first statement denies everything once aws:CurrentTime
/// is past the lease's expiry, so keys stop working when the lease ends even if nothing ever runs a revoke.
/// Its second statement is the ownership marker: a Deny whose condition compares aws:username with a value no
/// IAM user name can have (IAM names never contain ';'), so it never applies and only records who made the user.
/// Both are written by the PutUserPolicy that issuing makes anyway, so the marker needs no extra permission.
/// </summary>
public static class ExpiryGuard
{
    public const string PolicyName = "DynamicAwsCreds-ExpiryGuard";

    private const string GuardSid = "DenyAfterLeaseExpiry";
    private const string MarkerSid = "DynamicAwsCredsOwnershipMarker";
    private const string MarkerKey = "aws:username";
    private const string MarkerTag = "DynamicAwsCreds";
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    public static string Document(OwnershipMarker marker) =>
        "{\"Version\":\"2012-10-17\",\"Statement\":[" +
        "{\"Sid\":\"" + GuardSid + "\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"," +
        "\"Condition\":{\"DateGreaterThan\":{\"aws:CurrentTime\":\"" +
        marker.Expiry.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + "\"}}}," +
        "{\"Sid\":\"" + MarkerSid + "\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"," +
        "\"Condition\":{\"StringEquals\":{\"" + MarkerKey + "\":\"" + MarkerValue(marker) + "\"}}}]}";

    /// <summary>The guard's length for a role's leases: what it takes of IAM's per-user inline policy budget.</summary>
    public static int Length(string mount, string role) =>
        Document(new OwnershipMarker(new string('x', Store.StoreIds.Length), Config.LeaseIds.New(mount, role), DateTimeOffset.UnixEpoch)).Length;

    /// <summary>The marker in a guard document read back from IAM; null when the document carries none.</summary>
    public static OwnershipMarker? ReadMarker(string document)
    {
        try
        {
            using var json = JsonDocument.Parse(document);
            if (!json.RootElement.TryGetProperty("Statement", out var statements) || statements.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            string? value = null;
            DateTimeOffset? expiry = null;
            foreach (var statement in statements.EnumerateArray())
            {
                var sid = statement.TryGetProperty("Sid", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                if (sid == MarkerSid)
                {
                    value = ConditionValue(statement, "StringEquals", MarkerKey);
                }
                else if (sid == GuardSid && ConditionValue(statement, "DateGreaterThan", "aws:CurrentTime") is { } time
                    && DateTimeOffset.TryParseExact(time, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    expiry = parsed;
                }
            }

            return value is not null && expiry is { } e && ParseValue(value) is var (storeId, leaseId)
                ? new OwnershipMarker(storeId, leaseId, e)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string MarkerValue(OwnershipMarker marker) => $"{MarkerTag};store={marker.StoreId};lease={marker.LeaseId}";

    private static (string StoreId, string LeaseId)? ParseValue(string value)
    {
        var parts = value.Split(';');
        if (parts.Length != 3 || parts[0] != MarkerTag || !parts[1].StartsWith("store=", StringComparison.Ordinal) || !parts[2].StartsWith("lease=", StringComparison.Ordinal))
        {
            return null;
        }

        var storeId = parts[1]["store=".Length..];
        var leaseId = parts[2]["lease=".Length..];
        return storeId.Length > 0 && leaseId.Length > 0 ? (storeId, leaseId) : null;
    }

    private static string? ConditionValue(JsonElement statement, string op, string key) =>
        statement.TryGetProperty("Condition", out var condition) && condition.ValueKind == JsonValueKind.Object
        && condition.TryGetProperty(op, out var block) && block.ValueKind == JsonValueKind.Object
        && block.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
