using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;

namespace DynamicAwsCreds.Engine.Store.Sealing;

/// <summary>
/// Windows DPAPI for the current user. A sealed value is <see cref="Format"/> then DPAPI's blob; the context is
/// DPAPI's entropy. A value in another format (one sealed by the key file on another platform) is handed to
/// <c>otherFormats</c> when there is one.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class DpapiSealer : ISecretSealer
{
    public const byte Format = 2;
    private readonly string _storePath;
    private readonly ISecretSealer? _otherFormats;

    /// <param name="storePath">The store, named by errors.</param>
    /// <param name="otherFormats">Opens values that DPAPI did not seal.</param>
    public DpapiSealer(string storePath, ISecretSealer? otherFormats = null)
    {
        _storePath = storePath;
        _otherFormats = otherFormats;
    }

    public byte[] Seal(string plaintext, string context)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        try
        {
            return [Format, .. ProtectedData.Protect(data, Encoding.UTF8.GetBytes(context), DataProtectionScope.CurrentUser)];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    public string Open(byte[] sealedValue, string context)
    {
        if (sealedValue.Length == 0 || sealedValue[0] != Format)
        {
            return _otherFormats?.Open(sealedValue, context)
                ?? throw Unreadable(sealedValue.Length == 0 ? "the stored value is empty" : "it was written in a format this machine cannot read");
        }

        byte[] data;
        try
        {
            data = ProtectedData.Unprotect(sealedValue.AsSpan(1).ToArray(), Encoding.UTF8.GetBytes(context), DataProtectionScope.CurrentUser);
        }
        catch (CryptographicException ex)
        {
            throw Unreadable($"decryption failed ({ex.GetType().Name}); it was sealed for another row, Windows user or machine", ex);
        }

        try
        {
            return Encoding.UTF8.GetString(data);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    private EngineException Unreadable(string why, Exception? inner = null) =>
        SecretUnreadable.Error(_storePath, $"DPAPI, store '{_storePath}'", why, inner);
}
