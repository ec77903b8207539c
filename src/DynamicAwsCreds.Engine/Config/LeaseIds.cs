using System.Text.RegularExpressions;

namespace DynamicAwsCreds.Engine.Config;

/// <summary>Lease ids: <c>&lt;mount&gt;/creds/&lt;role&gt;/&lt;24 base62 characters from a CSPRNG&gt;</c>.</summary>
public static partial class LeaseIds
{
    public const int RandomLength = 24;

    [GeneratedRegex(@"^(?<mount>[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)/creds/(?<role>[A-Za-z0-9_](([A-Za-z0-9_.@-]+)?[A-Za-z0-9_])?)/(?<nonce>[A-Za-z0-9]{24})\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.@/-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex PrefixPattern();

    /// <summary>A Vault path of a role's credentials or definition: <c>&lt;mount&gt;/creds/&lt;role&gt;</c>, <c>&lt;mount&gt;/roles/&lt;role&gt;</c>.</summary>
    [GeneratedRegex(@"^/?(?<mount>[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)/(creds|roles|sts)/(?<role>[A-Za-z0-9_.@-]+)/?\z", RegexOptions.CultureInvariant)]
    private static partial Regex RolePathPattern();

    /// <summary>The mount and role a Vault path such as aws/creds/developer-access names; null when it is not one.</summary>
    public static (string Mount, string Role)? ParseRolePath(string? text) =>
        text is not null && RolePathPattern().Match(text.Trim()) is { Success: true } m ? (m.Groups["mount"].Value, m.Groups["role"].Value) : null;

    public static string New(string mount, string role) => RolePrefix(mount, role) + SecureRandom.Base62(RandomLength);

    /// <summary>What every lease id of one role starts with: <c>&lt;mount&gt;/creds/&lt;role&gt;/</c>.</summary>
    public static string RolePrefix(string mount, string role) => $"{mount}/creds/{role}/";

    /// <summary>Checks a lease id's shape before it is used anywhere.</summary>
    public static string Validate(string? leaseId)
    {
        var id = leaseId?.Trim() ?? string.Empty;
        if (id.Length > 512 || !IdPattern().IsMatch(id))
        {
            var instead = ParseRolePath(id) is { } path && id.Contains("/creds/", StringComparison.Ordinal)
                ? $" It names role '{path.Role}' without a lease's 24 trailing characters: to list that role's leases, type Get-Lease -Prefix {id.TrimEnd('/')}."
                : " Lease ids look like aws/creds/<role>/<24 letters and digits>; Get-Lease lists them.";
            throw new EngineException("InvalidLeaseId", ErrorKind.InvalidArgument, leaseId, $"'{leaseId}' is not a lease id.{instead}");
        }

        return id;
    }

    /// <summary>Checks a prefix: the characters of lease ids only, no empty or relative segments.</summary>
    public static string ValidatePrefix(string? prefix)
    {
        var p = prefix?.Trim() ?? string.Empty;
        if (p.Length == 0 || p.Length > 512 || !PrefixPattern().IsMatch(p) || p.StartsWith('/') || p.Contains("//", StringComparison.Ordinal)
            || p.Split('/').Any(s => s is "." or ".."))
        {
            throw new EngineException("InvalidLeasePrefix", ErrorKind.InvalidArgument, prefix,
                $"'{prefix}' is not a lease prefix. Give a path such as aws/creds/developer-access or aws/.");
        }

        return p;
    }
}
