using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Shared;

namespace DynamicAwsCreds.Engine.Issue;

/// <summary>
/// The rules of the opt-in credential_process cache (Export-AwsCredential -Cache): which cached lease
/// answers which request, and for how long it is handed out again.
/// </summary>
internal static class CredentialCache
{
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
    /// Reuse while more than min(15 minutes, half the lease's current term) remains: the rule the credential_process
    /// cache files share (<see cref="CredentialProcessCache.IsReusable"/>).
    /// </summary>
    public static bool IsReusable(LeaseRecord lease, DateTimeOffset now) =>
        CredentialProcessCache.IsReusable(TermStart(lease), lease.ExpireTime, now);

    /// <summary>The start of the lease's current term: its last renewal, else its issue.</summary>
    public static DateTimeOffset TermStart(LeaseRecord lease) => lease.LastRenewalTime ?? lease.IssueTime;
}
