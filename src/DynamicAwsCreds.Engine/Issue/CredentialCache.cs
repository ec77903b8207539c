using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Issue;

/// <summary>
/// The rules of the opt-in credential_process cache (Export-AwsCredential -Cache): which cached lease
/// answers which request, and for how long it is handed out again.
/// </summary>
internal static class CredentialCache
{
    /// <summary>A cached lease is handed out while more than this remains of it, or half its term when that is less.</summary>
    public static readonly TimeSpan MaxReuseMargin = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The key of a request: SHA-256 (hex) over everything that changes the credential it gets — mount, role,
    /// credential type, the role's definition, -RoleArn, -RoleSessionName and -Ttl. The MFA code is left out:
    /// it changes every 30 seconds, and a cached session made with MFA stays the session it is.
    /// </summary>
    public static string RequestKey(string mount, Role role, TimeSpan? ttl, StsOptions sts)
    {
        var requestedTtl = ttl is { } t && t > TimeSpan.Zero ? ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : null;
        var text = new StringBuilder("request/1");
        foreach (var part in new[] { mount, role.Name, role.CredentialType, role.ToJson(), sts.RoleArn, sts.RoleSessionName, requestedTtl })
        {
            // Length-prefixed, so no value can run into the next; "-" is "not given", unlike any given value.
            text.Append('\n').Append(part is null ? "-" : part.Length.ToString(CultureInfo.InvariantCulture) + ":" + part);
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))).ToLowerInvariant();
    }

    /// <summary>
    /// Reuse while more than min(15 minutes, half the lease's current term) remains: a long lease is replaced
    /// 15 minutes before it ends, and a lease shorter than 30 minutes still serves the first half of its life.
    /// </summary>
    public static bool IsReusable(LeaseRecord lease, DateTimeOffset now)
    {
        var term = lease.ExpireTime - (lease.LastRenewalTime ?? lease.IssueTime);
        var margin = term / 2 < MaxReuseMargin ? term / 2 : MaxReuseMargin;
        return lease.ExpireTime - now > margin;
    }
}
