using System.Security.Cryptography;
using System.Text;

namespace DynamicAwsCreds.Engine.Store;

/// <summary>
/// Encrypts secrets before they reach the store: DPAPI for the current user on Windows, elsewhere
/// AES-256-GCM with a per-user key file beside the store (0600 in a 0700 folder). The context string
/// is bound as associated data, so a ciphertext cannot be moved to another mount's row.
/// </summary>
public sealed class SecretBox : ISecretSealer
{
    private const byte AesGcmFormat = 1;
    private const byte DpapiFormat = 2;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly string _keyFile;
    private readonly Func<bool> _sealedSecretsExist;
    private byte[]? _key;

    public SecretBox(string keyFile, Func<bool>? sealedSecretsExist = null)
    {
        _keyFile = keyFile;
        _sealedSecretsExist = sealedSecretsExist ?? (() => false);
    }

    public static SecretBox ForStore(string storePath, Func<bool>? sealedSecretsExist = null) =>
        new(Path.Combine(Path.GetDirectoryName(storePath)!, Path.GetFileNameWithoutExtension(storePath) + ".key"), sealedSecretsExist);

    public string KeyFile => _keyFile;

    public byte[] Seal(string plaintext, string context)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        try
        {
            if (OperatingSystem.IsWindows())
            {
                var protectedBytes = ProtectedData.Protect(data, Encoding.UTF8.GetBytes(context), DataProtectionScope.CurrentUser);
                return [DpapiFormat, .. protectedBytes];
            }

            var key = LoadKey(create: true);
            var blob = new byte[1 + NonceSize + TagSize + data.Length];
            blob[0] = AesGcmFormat;
            var nonce = blob.AsSpan(1, NonceSize);
            RandomNumberGenerator.Fill(nonce);
            using var gcm = new AesGcm(key, TagSize);
            gcm.Encrypt(nonce, data, blob.AsSpan(1 + NonceSize + TagSize), blob.AsSpan(1 + NonceSize, TagSize), Encoding.UTF8.GetBytes(context));
            return blob;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    public string Open(byte[] blob, string context)
    {
        if (blob.Length == 0)
        {
            throw Unreadable("the stored value is empty");
        }

        byte[] data;
        try
        {
            switch (blob[0])
            {
                case DpapiFormat when OperatingSystem.IsWindows():
                    data = ProtectedData.Unprotect(blob.AsSpan(1).ToArray(), Encoding.UTF8.GetBytes(context), DataProtectionScope.CurrentUser);
                    break;
                case AesGcmFormat when blob.Length >= 1 + NonceSize + TagSize:
                    var key = LoadKey(create: false);
                    data = new byte[blob.Length - 1 - NonceSize - TagSize];
                    using (var gcm = new AesGcm(key, TagSize))
                    {
                        gcm.Decrypt(blob.AsSpan(1, NonceSize), blob.AsSpan(1 + NonceSize + TagSize), blob.AsSpan(1 + NonceSize, TagSize), data, Encoding.UTF8.GetBytes(context));
                    }

                    break;
                default:
                    throw Unreadable("it was written in a format or on a platform this machine cannot read");
            }
        }
        catch (CryptographicException ex)
        {
            throw Unreadable($"decryption failed ({ex.GetType().Name}); the key file does not match the store", ex);
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

    private byte[] LoadKey(bool create)
    {
        if (_key is not null)
        {
            return _key;
        }

        lock (this)
        {
            if (_key is not null)
            {
                return _key;
            }

            try
            {
                if (!File.Exists(_keyFile))
                {
                    if (!create)
                    {
                        throw Unreadable("its key file is missing");
                    }

                    if (_sealedSecretsExist())
                    {
                        throw Unreadable("its key file is missing, and the store holds secrets sealed with it; restore the key file, or move the store aside to start again");
                    }

                    var fresh = RandomNumberGenerator.GetBytes(32);
                    var tmp = _keyFile + "." + Environment.ProcessId + ".tmp";
                    StoreFiles.EnsurePrivateFolder(Path.GetDirectoryName(_keyFile)!);
                    using (var file = new FileStream(tmp, StoreFiles.PrivateFileOptions(FileMode.Create)))
                    {
                        file.Write(fresh);
                        // On disk before any secret is sealed with it: a key lost in a crash orphans those secrets.
                        file.Flush(flushToDisk: true);
                    }

                    try
                    {
                        // No overwrite: if another process got there first, its key wins.
                        File.Move(tmp, _keyFile, overwrite: false);
                    }
                    catch (IOException) when (File.Exists(_keyFile))
                    {
                        File.Delete(tmp);
                    }
                }

                StoreFiles.RefuseInsecure(_keyFile);
                var bytes = File.ReadAllBytes(_keyFile);
                if (bytes.Length != 32)
                {
                    throw Unreadable($"its key file holds {bytes.Length} bytes, not 32");
                }

                return _key = bytes;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw Unreadable($"its key file cannot be read: {ex.Message}", ex);
            }
        }
    }

    private EngineException Unreadable(string why, Exception? inner = null) =>
        new("SecretUnreadable", ErrorKind.InvalidData, _keyFile,
            $"A stored secret cannot be decrypted: {why} (key file '{_keyFile}'). Set the root config again with Set-AwsRootConfig.", inner);
}
