using System.Security.Cryptography;

namespace DynamicAwsCreds.Engine.Config;

/// <summary>Random strings from the OS CSPRNG.</summary>
public static class SecureRandom
{
    private const string Base62Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary><paramref name="length"/> characters of [A-Za-z0-9].</summary>
    public static string Base62(int length) =>
        string.Create(length, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Base62Alphabet[RandomNumberGenerator.GetInt32(Base62Alphabet.Length)];
            }
        });
}
