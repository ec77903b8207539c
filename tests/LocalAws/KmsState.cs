using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace LocalAws;

/// <summary>One symmetric KMS key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT) of the account, in one region.</summary>
public sealed record KmsKeyInfo(string KeyId, string Arn, string Region, bool Enabled, string? Description, DateTime Created);

/// <summary>
/// The account's AWS KMS keys and aliases, per region as in AWS (a key or alias is found only in its own region).
/// A ciphertext is opaque to callers: a version byte, the key id (36 ASCII characters), a 12-byte nonce, the 16-byte
/// tag, then AES-256-GCM of the plaintext under the key's own secret, with the key ARN and the encryption context as
/// associated data, so Decrypt needs no KeyId and fails under another context.
/// </summary>
public sealed class KmsState
{
    private const byte CiphertextVersion = 1;
    private const int KeyIdLength = 36;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly object gate = new();
    private readonly Dictionary<string, KeyEntity> keysById = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Region, string Alias), string> aliases = [];

    internal KmsState(string accountId) => AccountId = accountId;

    public string AccountId { get; }

    /// <summary>Every key, for assertions.</summary>
    public IReadOnlyList<KmsKeyInfo> Keys
    {
        get
        {
            lock (gate)
            {
                return [.. keysById.Values.Select(k => k.Info(AccountId))];
            }
        }
    }

    /// <summary>Creates a key in <paramref name="region"/>, and the alias (<c>alias/…</c>) pointing to it when given.</summary>
    public KmsKeyInfo CreateKey(string region, string? alias = null, string? description = null)
    {
        lock (gate)
        {
            if (alias is not null)
            {
                CheckAliasName(alias);
                if (aliases.ContainsKey((region, alias)))
                {
                    throw new AwsError(400, "AlreadyExistsException", $"An alias with the name {AliasArn(region, alias)} already exists");
                }
            }

            var key = new KeyEntity(Guid.NewGuid().ToString(), region, RandomNumberGenerator.GetBytes(32), description, DateTime.UtcNow);
            keysById.Add(key.Id, key);
            if (alias is not null)
            {
                aliases[(region, alias)] = key.Id;
            }

            return key.Info(AccountId);
        }
    }

    /// <summary>DisableKey / EnableKey: a disabled key refuses Encrypt and Decrypt with DisabledException.</summary>
    public void SetEnabled(string keyId, bool enabled)
    {
        lock (gate)
        {
            keysById[keyId].Enabled = enabled;
        }
    }

    internal void CreateAlias(string region, string alias, string targetKeyId)
    {
        lock (gate)
        {
            CheckAliasName(alias);
            if (targetKeyId.StartsWith("alias/", StringComparison.Ordinal) || targetKeyId.Contains(":alias/", StringComparison.Ordinal))
            {
                throw Validation("Aliases must refer to keys. Not aliases");
            }

            var key = Find(region, targetKeyId);
            if (!aliases.TryAdd((region, alias), key.Id))
            {
                throw new AwsError(400, "AlreadyExistsException", $"An alias with the name {AliasArn(region, alias)} already exists");
            }
        }
    }

    /// <summary>The key a KeyId (key id, key ARN, alias name or alias ARN) names in <paramref name="region"/>; NotFoundException otherwise.</summary>
    public KmsKeyInfo Resolve(string region, string keyId)
    {
        lock (gate)
        {
            return Find(region, keyId).Info(AccountId);
        }
    }

    internal byte[] Encrypt(KmsKeyInfo key, byte[] plaintext, IReadOnlyDictionary<string, string> context)
    {
        lock (gate)
        {
            var entity = keysById[key.KeyId];
            var blob = new byte[1 + KeyIdLength + NonceSize + TagSize + plaintext.Length];
            blob[0] = CiphertextVersion;
            Encoding.ASCII.GetBytes(entity.Id, blob.AsSpan(1, KeyIdLength));
            var nonce = blob.AsSpan(1 + KeyIdLength, NonceSize);
            RandomNumberGenerator.Fill(nonce);
            using var gcm = new AesGcm(entity.Secret, TagSize);
            gcm.Encrypt(nonce, plaintext, blob.AsSpan(1 + KeyIdLength + NonceSize + TagSize), blob.AsSpan(1 + KeyIdLength + NonceSize, TagSize), Aad(key.Arn, context));
            return blob;
        }
    }

    /// <summary>The key a ciphertext of this account was made with; InvalidCiphertextException when it is none.</summary>
    internal KmsKeyInfo KeyOf(string region, byte[] blob)
    {
        lock (gate)
        {
            if (blob.Length < 1 + KeyIdLength + NonceSize + TagSize || blob[0] != CiphertextVersion
                || !keysById.TryGetValue(Encoding.ASCII.GetString(blob, 1, KeyIdLength), out var key) || key.Region != region)
            {
                throw InvalidCiphertext();
            }

            return key.Info(AccountId);
        }
    }

    internal byte[] Decrypt(KmsKeyInfo key, byte[] blob, IReadOnlyDictionary<string, string> context)
    {
        lock (gate)
        {
            var entity = keysById[key.KeyId];
            var plaintext = new byte[blob.Length - 1 - KeyIdLength - NonceSize - TagSize];
            try
            {
                using var gcm = new AesGcm(entity.Secret, TagSize);
                gcm.Decrypt(blob.AsSpan(1 + KeyIdLength, NonceSize), blob.AsSpan(1 + KeyIdLength + NonceSize + TagSize), blob.AsSpan(1 + KeyIdLength + NonceSize, TagSize),
                    plaintext, Aad(key.Arn, context));
            }
            catch (AuthenticationTagMismatchException)
            {
                throw InvalidCiphertext();
            }

            return plaintext;
        }
    }

    internal string AliasArn(string region, string alias) => $"arn:aws:kms:{region}:{AccountId}:{alias}";

    internal static AwsError Validation(string message) => new(400, "ValidationException", message);

    // AWS gives no reason: a wrong context, a damaged blob and another key's blob look alike.
    private static AwsError InvalidCiphertext() => new(400, "InvalidCiphertextException", string.Empty);

    private static void CheckAliasName(string alias)
    {
        if (alias.Length is < 1 or > 256 || !alias.StartsWith("alias/", StringComparison.Ordinal) || alias.Length == "alias/".Length
            || !alias.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '/' or '_' or '-'))
        {
            throw Validation($"1 validation error detected: Value '{alias}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$");
        }

        if (alias.StartsWith("alias/aws/", StringComparison.Ordinal))
        {
            throw new AwsError(400, "NotAuthorizedException", "Cannot create an alias with the prefix alias/aws/, which is reserved for AWS managed keys.");
        }
    }

    private KeyEntity Find(string region, string keyId)
    {
        var arnPrefix = $"arn:aws:kms:{region}:{AccountId}:";
        var name = keyId.StartsWith(arnPrefix, StringComparison.Ordinal) ? keyId[arnPrefix.Length..] : keyId;
        if (name.StartsWith("alias/", StringComparison.Ordinal))
        {
            if (aliases.TryGetValue((region, name), out var target))
            {
                return keysById[target];
            }

            throw new AwsError(400, "NotFoundException", $"Alias {AliasArn(region, name)} is not found.");
        }

        var id = name.StartsWith("key/", StringComparison.Ordinal) && name.Length > 4 && keyId.StartsWith("arn:", StringComparison.Ordinal) ? name[4..] : name;
        if (!keyId.StartsWith("arn:", StringComparison.Ordinal) || keyId.StartsWith(arnPrefix, StringComparison.Ordinal))
        {
            if (keysById.TryGetValue(id, out var key) && key.Region == region)
            {
                return key;
            }
        }

        throw new AwsError(400, "NotFoundException", keyId.StartsWith("arn:", StringComparison.Ordinal)
            ? $"Key '{keyId}' does not exist"
            : $"Key 'arn:aws:kms:{region}:{AccountId}:key/{keyId}' does not exist");
    }

    /// <summary>The key ARN and the context as JSON with its pairs in ordinal order: the same context in any order opens.</summary>
    private static byte[] Aad(string keyArn, IReadOnlyDictionary<string, string> context) =>
        Encoding.UTF8.GetBytes(keyArn + "\n" + JsonSerializer.Serialize(context.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new[] { p.Key, p.Value })));

    private sealed class KeyEntity(string id, string region, byte[] secret, string? description, DateTime created)
    {
        public string Id { get; } = id;
        public string Region { get; } = region;
        public byte[] Secret { get; } = secret;
        public bool Enabled { get; set; } = true;

        public KmsKeyInfo Info(string account) => new(Id, $"arn:aws:kms:{Region}:{account}:key/{Id}", Region, Enabled, description, created);
    }
}
