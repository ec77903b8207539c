using System.Globalization;

namespace DynamicAwsCreds.Engine.Issue;

/// <summary>
/// The inline policy every issued IAM user carries: deny everything once aws:CurrentTime is past the
/// lease's expiry, so keys stop working when the lease ends even if nothing ever runs a revoke.
/// </summary>
public static class ExpiryGuard
{
    public const string PolicyName = "DynamicAwsCreds-ExpiryGuard";

    public static string Document(DateTimeOffset expiry) =>
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"DenyAfterLeaseExpiry\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"," +
        "\"Condition\":{\"DateGreaterThan\":{\"aws:CurrentTime\":\"" +
        expiry.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) + "\"}}}]}";
}
