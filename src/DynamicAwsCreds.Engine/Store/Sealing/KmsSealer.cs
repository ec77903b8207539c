using System.Buffers.Binary;
using System.Text;
using Amazon;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;

namespace DynamicAwsCreds.Engine.Store.Sealing;

/// <summary>
/// AWS KMS Encrypt and Decrypt, with the AWS SDK's default credential chain, in one region (and at a custom endpoint
/// when given). A sealed value is <see cref="Format"/>, the length of the key ARN KMS answered (2 bytes, big-endian),
/// that ARN (UTF-8), then KMS's ciphertext blob; the context is KMS's encryption context (under
/// <see cref="ContextKey"/>), so a value opens only for the row it was sealed for. Open passes the stored ARN as
/// Decrypt's KeyId, so a value opens only under the key it names, whatever its aliases point to later. Any failure of
/// KMS is DynamicAwsCreds.KmsUnavailable naming the key and KMS's error code.
/// </summary>
public sealed class KmsSealer : IKeyedSecretSealer, IDisposable
{
    public const byte Format = 3;

    /// <summary>The encryption context's one key; its value is the sealing context.</summary>
    public const string ContextKey = "DynamicAwsCreds";

    private readonly Lazy<AmazonKeyManagementServiceClient> _kms;

    /// <param name="region">The region KMS calls go to and are signed for.</param>
    /// <param name="endpoint">A KMS endpoint other than the region's (a VPC endpoint, LocalAws); null for the region's.</param>
    public KmsSealer(string region, Uri? endpoint = null)
    {
        Region = region;
        _kms = new(() =>
        {
            var config = new AmazonKeyManagementServiceConfig { Timeout = TimeSpan.FromSeconds(30) };
            if (endpoint is null)
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            }
            else
            {
                config.ServiceURL = endpoint.ToString();
                config.AuthenticationRegion = region;
            }

            return new AmazonKeyManagementServiceClient(config);
        });
    }

    public string Region { get; }

    /// <summary>Refused: a KMS sealer seals only under a key the config names (<see cref="Seal(string, string, string)"/>).</summary>
    public byte[] Seal(string plaintext, string context) =>
        throw new EngineException("KmsKeyRequired", ErrorKind.InvalidOperation, context,
            $"A secret ({context}) is sealed with AWS KMS here, and no KMS key was named for it. Name one with Set-AwsRootConfig -KmsKeyId.");

    public byte[] Seal(string plaintext, string context, string keyId)
    {
        using var data = new MemoryStream(Encoding.UTF8.GetBytes(plaintext));
        var answer = Call(keyId, "encrypt", kms => kms.EncryptAsync(new EncryptRequest
        {
            KeyId = keyId,
            Plaintext = data,
            EncryptionContext = Context(context),
        }));
        var arn = Encoding.UTF8.GetBytes(answer.KeyId);
        var blob = answer.CiphertextBlob.ToArray();
        var sealedValue = new byte[3 + arn.Length + blob.Length];
        sealedValue[0] = Format;
        BinaryPrimitives.WriteUInt16BigEndian(sealedValue.AsSpan(1, 2), checked((ushort)arn.Length));
        arn.CopyTo(sealedValue.AsSpan(3));
        blob.CopyTo(sealedValue.AsSpan(3 + arn.Length));
        return sealedValue;
    }

    public string Open(byte[] sealedValue, string context)
    {
        if (sealedValue.Length < 3 || sealedValue[0] != Format || sealedValue.Length <= 3 + BinaryPrimitives.ReadUInt16BigEndian(sealedValue.AsSpan(1, 2)))
        {
            throw SecretUnreadable.Error(context, $"AWS KMS in {Region}",
                sealedValue.Length == 0 ? "the stored value is empty" : "it was not sealed with AWS KMS (a shared store holds only KMS-sealed secrets)");
        }

        var arnLength = BinaryPrimitives.ReadUInt16BigEndian(sealedValue.AsSpan(1, 2));
        var keyArn = Encoding.UTF8.GetString(sealedValue, 3, arnLength);
        using var blob = new MemoryStream(sealedValue, 3 + arnLength, sealedValue.Length - 3 - arnLength, writable: false);
        var answer = Call(keyArn, "decrypt", kms => kms.DecryptAsync(new DecryptRequest
        {
            KeyId = keyArn,
            CiphertextBlob = blob,
            EncryptionContext = Context(context),
        }));
        var data = answer.Plaintext.ToArray();
        try
        {
            return Encoding.UTF8.GetString(data);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(data);
        }
    }

    public void Dispose()
    {
        if (_kms.IsValueCreated)
        {
            _kms.Value.Dispose();
        }
    }

    private static Dictionary<string, string> Context(string context) => new(StringComparer.Ordinal) { [ContextKey] = context };

    /// <summary>One KMS call, waited for here (a sealer is synchronous); every failure becomes KmsUnavailable.</summary>
    private T Call<T>(string keyId, string verb, Func<AmazonKeyManagementServiceClient, Task<T>> call)
    {
        try
        {
            return Task.Run(() => call(_kms.Value)).GetAwaiter().GetResult();
        }
        catch (AmazonServiceException ex) when (!string.IsNullOrEmpty(ex.ErrorCode))
        {
            var kind = ex.ErrorCode switch
            {
                "AccessDeniedException" => ErrorKind.PermissionDenied,
                "NotFoundException" => ErrorKind.ObjectNotFound,
                "InvalidCiphertextException" or "IncorrectKeyException" => ErrorKind.InvalidData,
                _ => ErrorKind.ResourceUnavailable,
            };
            throw Unavailable(keyId, verb, kind, $"{ex.ErrorCode}{(string.IsNullOrEmpty(ex.Message) ? "" : ": " + ex.Message)}", ex, ex.ErrorCode);
        }
        catch (Exception ex) when (ex is AmazonClientException or HttpRequestException or TaskCanceledException or TimeoutException or IOException)
        {
            throw Unavailable(keyId, verb, ErrorKind.ConnectionError, $"no answer from KMS: {ex.GetType().Name}: {ex.Message}", ex, null);
        }
    }

    private EngineException Unavailable(string keyId, string verb, ErrorKind kind, string what, Exception inner, string? code) =>
        new("KmsUnavailable", kind, keyId,
            $"The AWS KMS key '{keyId}' in {Region} cannot {verb} ({what}). Nothing was changed. Check that the key exists in {Region} and is enabled, "
            + "and that this host's AWS credentials (the AWS SDK's default chain) may use kms:Encrypt and kms:Decrypt on it.", inner)
        {
            AwsCode = code,
        };
}
