// Compiled into two programs: the engine (which writes cache entries) and the native credential_process helper
// (which reads them), so the two cannot drift. It uses nothing a NativeAOT program cannot: no reflection, no
// reflection-based JSON. The format is described in docs/CREDENTIAL-PROCESS-CACHE.md; change both together and
// bump FormatVersion when an entry written by the new code could be misread by the old.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace DynamicAwsCreds.Shared;

/// <summary>
/// The credential_process cache files of a SQLite store: where they live, what one holds, how it is sealed, and for
/// how long it is handed out again. One file per plain request (mount and role, no -Ttl, -RoleArn,
/// -RoleSessionName or MFA code), beside the store: <c>&lt;store folder&gt;/&lt;store name&gt;.cp-cache/&lt;key&gt;.entry</c>.
/// </summary>
internal static class CredentialProcessCache
{
    /// <summary>The version an entry declares; a reader takes only its own.</summary>
    public const int FormatVersion = 1;

    /// <summary>The sealed-value format byte of the key-file sealer (AES-256-GCM with the store's key file).</summary>
    public const byte KeyFileFormat = 1;

    /// <summary>A cached lease is handed out while more than this remains of it, or half its term when that is less.</summary>
    public static readonly TimeSpan MaxReuseMargin = TimeSpan.FromMinutes(15);

    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int KeySize = 32;

    /// <summary>The folder of a store's cache files: the store's file name with ".cp-cache", beside it.</summary>
    public static string CacheFolder(string storePath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(storePath))!, Path.GetFileNameWithoutExtension(storePath) + ".cp-cache");

    /// <summary>The store's key file (the store's file name with ".key", beside it), which seals every entry.</summary>
    public static string KeyFile(string storePath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(storePath))!, Path.GetFileNameWithoutExtension(storePath) + ".key");

    /// <summary>
    /// The file name of a request's entry: SHA-256 (lower-case hex) over "cp-request/1", the mount path and the role name,
    /// each length-prefixed on its own line, then ".entry". The mount path is normalised as the engine does ("aws/" is "aws").
    /// </summary>
    public static string EntryName(string mount, string role)
    {
        var text = new StringBuilder("cp-request/1");
        foreach (var part in new[] { mount.Trim('/'), role })
        {
            text.Append('\n').Append(part.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(part);
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))).ToLowerInvariant() + ".entry";
    }

    /// <summary>
    /// Reuse while more than min(15 minutes, half the lease's current term) remains: a long lease is replaced 15
    /// minutes before it ends, and a lease shorter than 30 minutes still serves the first half of its life.
    /// </summary>
    public static bool IsReusable(DateTimeOffset termStart, DateTimeOffset expires, DateTimeOffset now)
    {
        var term = expires - termStart;
        var margin = term / 2 < MaxReuseMargin ? term / 2 : MaxReuseMargin;
        return expires - now > margin;
    }

    /// <summary>The associated data an entry's secrets are sealed with: its file name and every plaintext field, so no field can be changed or moved to another file.</summary>
    public static string SealingContext(string entryName, CacheEntry entry) =>
        string.Join('\n', "cp-cache/1", entryName, entry.Mount, entry.Role, entry.LeaseId, entry.AccessKeyId,
            Time(entry.TermStart), Time(entry.Expires));

    /// <summary>The secrets an entry seals: the secret access key and, for STS credentials, the session token.</summary>
    public static byte[] SecretsJson(string secretAccessKey, string? sessionToken)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("SecretAccessKey", secretAccessKey);
            if (sessionToken is not null)
            {
                json.WriteString("SessionToken", sessionToken);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads <see cref="SecretsJson"/>; false when it is not that shape.</summary>
    public static bool TryReadSecrets(ReadOnlySpan<byte> json, out string secretAccessKey, out string? sessionToken)
    {
        secretAccessKey = string.Empty;
        sessionToken = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                switch (name)
                {
                    case "SecretAccessKey": secretAccessKey = reader.GetString()!; break;
                    case "SessionToken": sessionToken = reader.GetString(); break;
                    default: return false;
                }
            }

            return reader.TokenType == JsonTokenType.EndObject && secretAccessKey.Length > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>An entry file's bytes: one JSON object (see docs/CREDENTIAL-PROCESS-CACHE.md).</summary>
    public static byte[] Write(CacheEntry entry)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("Format", FormatVersion);
            json.WriteString("Mount", entry.Mount);
            json.WriteString("Role", entry.Role);
            json.WriteString("LeaseId", entry.LeaseId);
            json.WriteString("AccessKeyId", entry.AccessKeyId);
            json.WriteString("TermStart", Time(entry.TermStart));
            json.WriteString("Expires", Time(entry.Expires));
            json.WriteBase64String("Sealed", entry.Sealed);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads an entry file's bytes; null when they are not a whole entry of <see cref="FormatVersion"/>.</summary>
    public static CacheEntry? TryRead(ReadOnlySpan<byte> bytes)
    {
        string? mount = null, role = null, leaseId = null, accessKeyId = null, termStart = null, expires = null;
        byte[]? sealedSecrets = null;
        var format = 0;
        try
        {
            var reader = new Utf8JsonReader(bytes);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                if (!reader.Read())
                {
                    return null;
                }

                switch (name)
                {
                    case "Format" when reader.TokenType == JsonTokenType.Number: format = reader.GetInt32(); break;
                    case "Mount" when reader.TokenType == JsonTokenType.String: mount = reader.GetString(); break;
                    case "Role" when reader.TokenType == JsonTokenType.String: role = reader.GetString(); break;
                    case "LeaseId" when reader.TokenType == JsonTokenType.String: leaseId = reader.GetString(); break;
                    case "AccessKeyId" when reader.TokenType == JsonTokenType.String: accessKeyId = reader.GetString(); break;
                    case "TermStart" when reader.TokenType == JsonTokenType.String: termStart = reader.GetString(); break;
                    case "Expires" when reader.TokenType == JsonTokenType.String: expires = reader.GetString(); break;
                    case "Sealed" when reader.TokenType == JsonTokenType.String: sealedSecrets = reader.GetBytesFromBase64(); break;
                    default: return null;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || format != FormatVersion || mount is null || role is null || leaseId is null
                || accessKeyId is null || sealedSecrets is null || !TryTime(termStart, out var start) || !TryTime(expires, out var end))
            {
                return null;
            }

            return new CacheEntry(mount, role, leaseId, accessKeyId, start, end, sealedSecrets);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Seals <paramref name="plaintext"/> as the key-file sealer does: format byte 1, a 12-byte random nonce, the 16-byte tag, the ciphertext; <paramref name="context"/> is the associated data.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, string context)
    {
        var blob = new byte[1 + NonceSize + TagSize + plaintext.Length];
        blob[0] = KeyFileFormat;
        var nonce = blob.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key, TagSize);
        gcm.Encrypt(nonce, plaintext, blob.AsSpan(1 + NonceSize + TagSize), blob.AsSpan(1 + NonceSize, TagSize), Encoding.UTF8.GetBytes(context));
        return blob;
    }

    /// <summary>Opens what <see cref="Seal"/> made; null when the format, the key or the context does not match.</summary>
    public static byte[]? TryOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedValue, string context)
    {
        if (key.Length != KeySize || sealedValue.Length < 1 + NonceSize + TagSize || sealedValue[0] != KeyFileFormat)
        {
            return null;
        }

        var data = new byte[sealedValue.Length - 1 - NonceSize - TagSize];
        try
        {
            using var gcm = new AesGcm(key, TagSize);
            gcm.Decrypt(sealedValue.Slice(1, NonceSize), sealedValue[(1 + NonceSize + TagSize)..], sealedValue.Slice(1 + NonceSize, TagSize),
                data, Encoding.UTF8.GetBytes(context));
            return data;
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(data);
            return null;
        }
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static bool TryTime(string? text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
}
