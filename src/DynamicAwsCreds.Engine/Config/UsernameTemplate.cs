using System.Text;
using System.Text.RegularExpressions;

namespace DynamicAwsCreds.Engine.Config;

/// <summary>
/// IAM user names as Vault's default template makes them:
/// <c>vault-&lt;displayname&gt;-&lt;role&gt;-&lt;unix time&gt;-&lt;random 20&gt;</c>, the displayname/role part cut to 42
/// and the whole to 64, so the tutorial's <c>user/vault-*</c> policy covers every user.
/// </summary>
public static partial class UsernameTemplate
{
    public const int IamMaxLength = 64;
    public const int DisplayRoleMaxLength = 42;
    public const string Prefix = "vault-";

    [GeneratedRegex(@"[^a-zA-Z0-9+=,.@_-]", RegexOptions.CultureInvariant)]
    private static partial Regex UnsafeCharacters();

    /// <summary>The OS user name with characters IAM does not allow replaced by '_'.</summary>
    public static string DisplayName(string osUserName) => UnsafeCharacters().Replace(osUserName, "_");

    public static string IamUserName(string displayName, string roleName, DateTimeOffset now)
    {
        var displayRole = Truncate($"{DisplayName(displayName)}-{roleName}", DisplayRoleMaxLength);
        var name = $"{Prefix}{displayRole}-{now.ToUnixTimeSeconds()}-{SecureRandom.Base62(20)}";
        return Truncate(name, IamMaxLength);
    }

    /// <summary>Vault's default for STS names (session and federated-user names): vault-&lt;unix time&gt;-&lt;random 20&gt; cut to 32.</summary>
    public static string StsName(DateTimeOffset now) => Truncate($"{Prefix}{now.ToUnixTimeSeconds()}-{SecureRandom.Base62(20)}", StsMaxLength);

    public const int StsMaxLength = 32;

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}

/// <summary>Random strings from the OS CSPRNG.</summary>
public static class SecureRandom
{
    private const string Base62Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string Base62(int length)
    {
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            sb.Append(Base62Alphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(Base62Alphabet.Length)]);
        }

        return sb.ToString();
    }
}
