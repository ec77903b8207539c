using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using DynamicAwsCreds.Shared;

namespace DynamicAwsCreds.Engine.Store.Sealing;

/// <summary>
/// AES-256-GCM with a per-user key file beside the store (0600 in a 0700 folder). A sealed value is
/// <see cref="Format"/>, a 12-byte random nonce, the 16-byte tag, then the ciphertext; the context is the associated data.
/// The key file is made on the first seal, but never while the store holds values sealed with a key that is gone.
/// The AES-GCM itself is <see cref="CredentialProcessCache.Seal"/>/<see cref="CredentialProcessCache.TryOpen"/>, which the
/// credential_process helper shares.
/// </summary>
public sealed class KeyFileSealer : ISecretSealer
{
    public const byte Format = CredentialProcessCache.KeyFileFormat;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly TimeSpan CreationLockTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromMilliseconds(200);
    private readonly Func<bool> _sealedSecretsExist;
    private byte[]? _key;

    /// <param name="keyFile">The 32-byte key file.</param>
    /// <param name="sealedSecretsExist">Whether the store holds sealed values, asked before a missing key file is made.</param>
    public KeyFileSealer(string keyFile, Func<bool>? sealedSecretsExist = null)
    {
        KeyFile = keyFile;
        _sealedSecretsExist = sealedSecretsExist ?? (() => false);
    }

    /// <summary>The sealer of the store at <paramref name="storePath"/>: its key file is the store's name with ".key".</summary>
    public static KeyFileSealer ForStore(string storePath, Func<bool>? sealedSecretsExist = null) =>
        new(Path.Combine(Path.GetDirectoryName(storePath)!, Path.GetFileNameWithoutExtension(storePath) + ".key"), sealedSecretsExist);

    public string KeyFile { get; }

    public byte[] Seal(string plaintext, string context)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        try
        {
            return SealBytes(data, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    /// <summary>Seals bytes as <see cref="Seal"/> does, so a caller that holds its plaintext as bytes need not make a string of it.</summary>
    internal byte[] SealBytes(ReadOnlySpan<byte> plaintext, string context) => CredentialProcessCache.Seal(LoadKey(create: true), plaintext, context);

    public string Open(byte[] sealedValue, string context)
    {
        if (sealedValue.Length == 0)
        {
            throw Unreadable("the stored value is empty");
        }

        if (sealedValue[0] != Format || sealedValue.Length < 1 + NonceSize + TagSize)
        {
            throw Unreadable("it was written in a format or on a platform this machine cannot read");
        }

        var data = CredentialProcessCache.TryOpen(LoadKey(create: false), sealedValue, context)
            ?? throw Unreadable("decryption failed (the authentication tag does not match); the key file does not match the store");
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
                if (!File.Exists(KeyFile))
                {
                    if (!create)
                    {
                        throw Unreadable("its key file is missing");
                    }

                    if (_sealedSecretsExist())
                    {
                        throw Unreadable("its key file is missing, and the store holds secrets sealed with it; restore the key file, or move the store aside to start again");
                    }

                    WriteNewKey();
                }

                StoreFiles.RefuseInsecure(KeyFile);
                var bytes = File.ReadAllBytes(KeyFile);
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

    /// <summary>
    /// Makes the key file unless another sealer (a thread or a process) has made it meanwhile: both the check and the
    /// move happen under an exclusive lock file, since a move that refuses to overwrite is not atomic on every platform.
    /// </summary>
    private void WriteNewKey()
    {
        using var turn = TakeCreationLock();
        if (File.Exists(KeyFile))
        {
            return;
        }

        var fresh = RandomNumberGenerator.GetBytes(32);
        var tmp = KeyFile + ".tmp";
        using (var file = new FileStream(tmp, StoreFiles.PrivateFileOptions(FileMode.Create)))
        {
            file.Write(fresh);
            // On disk before any secret is sealed with it: a key lost in a crash orphans those secrets.
            file.Flush(flushToDisk: true);
        }

        File.Move(tmp, KeyFile, overwrite: false);
    }

    /// <summary>The empty file <c>&lt;key file&gt;.lock</c>, held open with <see cref="FileShare.None"/>; the OS releases it if its holder dies.</summary>
    private FileStream TakeCreationLock()
    {
        StoreFiles.EnsurePrivateFolder(Path.GetDirectoryName(KeyFile)!);
        var path = KeyFile + ".lock";
        var started = Stopwatch.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            try
            {
                return new FileStream(path, StoreFiles.PrivateFileOptions(FileMode.OpenOrCreate));
            }
            catch (IOException) when (Stopwatch.GetElapsedTime(started) < CreationLockTimeout)
            {
                Thread.Sleep(delay);
                delay = delay * 2 < LongestRetry ? delay * 2 : LongestRetry;
            }
        }
    }

    private EngineException Unreadable(string why, Exception? inner = null) =>
        SecretUnreadable.Error(KeyFile, $"key file '{KeyFile}'", why, inner);
}
