using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace LocalAws;

/// <summary>
/// AWS KMS as its API reference documents it, on the same port: the JSON 1.1 protocol (<c>POST /</c>,
/// <c>X-Amz-Target: TrentService.&lt;Operation&gt;</c>, <c>Content-Type: application/x-amz-json-1.1</c>), SigV4 with
/// service <c>kms</c> in the caller's region, and errors as <c>{"__type":"…","message":"…"}</c>. Operations: CreateKey,
/// CreateAlias, DescribeKey, EnableKey, DisableKey, Encrypt, Decrypt. Each is authorised as <c>kms:&lt;Operation&gt;</c> on
/// the key's ARN (CreateKey on "*", CreateAlias on the alias's ARN and the key's) by the caller's IAM policies, as under
/// KMS's default key policy. The fault knobs apply under the operation's name.
/// </summary>
public sealed partial class LocalAwsServer
{
    /// <summary>The X-Amz-Target prefix of KMS operations.</summary>
    public const string KmsTargetPrefix = "TrentService.";

    private const string KmsContentType = "application/x-amz-json-1.1";
    private const int MaxPlaintextBytes = 4096;
    private const int MaxCiphertextBytes = 6144;

    private static readonly Dictionary<string, Func<KmsRequest, JsonObject>> KmsHandlers = new(StringComparer.Ordinal)
    {
        ["CreateKey"] = CreateKey,
        ["CreateAlias"] = CreateAlias,
        ["DescribeKey"] = r => new JsonObject { ["KeyMetadata"] = Metadata(r.Authorized(r.Key("KeyId"))) },
        ["EnableKey"] = r => SetEnabled(r, true),
        ["DisableKey"] = r => SetEnabled(r, false),
        ["Encrypt"] = Encrypt,
        ["Decrypt"] = Decrypt,
    };

    /// <summary>The account's KMS keys and aliases.</summary>
    public KmsState Kms { get; }

    private static bool IsKmsRequest(HttpContext ctx) => ctx.Request.Headers["X-Amz-Target"].ToString().StartsWith(KmsTargetPrefix, StringComparison.Ordinal);

    private async Task HandleKmsAsync(HttpContext ctx)
    {
        var received = DateTime.UtcNow;
        var action = ctx.Request.Headers["X-Amz-Target"].ToString()[KmsTargetPrefix.Length..];
        string? accessKeyId = null;
        string? callerArn = null;
        int status = 200;
        string? errorCode = null;
        try
        {
            var body = await ReadBodyAsync(ctx).ConfigureAwait(false);
            var rawPath = RawPath(ctx);
            if (!HttpMethods.IsPost(ctx.Request.Method) || rawPath != "/")
            {
                throw new AwsError(400, "UnknownOperationException", string.Empty);
            }

            var claim = SigV4Verifier.Parse(ctx.Request, []) ?? throw new AwsError(400, "MissingAuthenticationTokenException", "Missing Authentication Token");
            accessKeyId = claim.AccessKeyId;
            Throttle();
            var delay = Options.LatencyMs + Options.DelayFor(action);
            if (delay > 0)
            {
                await Task.Delay(delay, ctx.RequestAborted).ConfigureAwait(false);
            }

            var (caller, session) = Authenticate(claim, ctx.Request, rawPath, [], body, onlyService: "kms");
            callerArn = session?.Arn(State.AccountId) ?? caller?.Arn(State.AccountId);
            if (!KmsHandlers.TryGetValue(action, out var handler))
            {
                throw new AwsError(400, "UnknownOperationException", string.Empty);
            }

            if (!(ctx.Request.ContentType ?? string.Empty).StartsWith(KmsContentType, StringComparison.OrdinalIgnoreCase))
            {
                throw new AwsError(400, "SerializationException", $"Expected Content-Type {KmsContentType}, not '{ctx.Request.ContentType}'.");
            }

            var input = ParseJson(body);
            var count = actionCounts.AddOrUpdate(action, 1, (_, n) => n + 1);
            if (LocalAwsOptions.Matches(Options.Drop, Options.Sync, action, count))
            {
                status = 0;
                ctx.Abort();
                return;
            }

            if (LocalAwsOptions.Matches(Options.Fail, Options.Sync, action, count))
            {
                throw new AwsError(500, "KMSInternalException", "The request was rejected because an internal exception occurred. The request can be retried.", sender: false);
            }

            var context = new IamContext(State, new Dictionary<string, string>(StringComparer.Ordinal), caller, session, DateTime.UtcNow + Options.ClockOffset, Options, "kms", action);
            var result = handler(new KmsRequest(this, context, claim.Region, input));
            await WriteJsonAsync(ctx, 200, result).ConfigureAwait(false);
        }
        catch (AwsError e)
        {
            // The JSON protocol's names for the errors LocalAws shares with IAM and STS; KMS answers 400 for each.
            (status, errorCode) = e.Code switch
            {
                "InvalidClientTokenId" => (400, "UnrecognizedClientException"),
                "SignatureDoesNotMatch" => (400, "InvalidSignatureException"),
                "IncompleteSignature" => (400, "IncompleteSignatureException"),
                "ExpiredToken" => (400, "ExpiredTokenException"),
                "Throttling" => (400, "ThrottlingException"),
                "AccessDenied" => (400, "AccessDeniedException"),
                _ => (e.Status, e.Code),
            };
            await WriteJsonAsync(ctx, status, new JsonObject { ["__type"] = errorCode, ["message"] = e.Message }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            status = 0;
        }
        finally
        {
            State.Record(new LocalAwsRequestRecord(received, "kms", action, accessKeyId, status, errorCode) { CallerArn = callerArn });
        }
    }

    private static JsonObject ParseJson(byte[] body)
    {
        try
        {
            return body.Length == 0 ? [] : JsonNode.Parse(body) as JsonObject ?? throw new AwsError(400, "SerializationException", "Start of structure or map found where not expected.");
        }
        catch (JsonException)
        {
            throw new AwsError(400, "SerializationException", "The request body is not valid JSON.");
        }
    }

    private static async Task WriteJsonAsync(HttpContext ctx, int status, JsonObject json)
    {
        var bytes = Encoding.UTF8.GetBytes(json.ToJsonString());
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = KmsContentType;
        ctx.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted).ConfigureAwait(false);
    }

    private static JsonObject CreateKey(KmsRequest r)
    {
        r.Require("*");
        var usage = r.String("KeyUsage");
        var spec = r.String("KeySpec") ?? r.String("CustomerMasterKeySpec");
        if (usage is not (null or "ENCRYPT_DECRYPT") || spec is not (null or "SYMMETRIC_DEFAULT"))
        {
            throw KmsState.Validation("LocalAws makes only symmetric keys: KeyUsage ENCRYPT_DECRYPT, KeySpec SYMMETRIC_DEFAULT.");
        }

        return new JsonObject { ["KeyMetadata"] = Metadata(r.Server.Kms.CreateKey(r.Region, description: r.String("Description"))) };
    }

    private static JsonObject CreateAlias(KmsRequest r)
    {
        var alias = r.String("AliasName") ?? throw r.Null("aliasName");
        var target = r.Key("TargetKeyId");
        r.Require(r.Server.Kms.AliasArn(r.Region, alias));
        r.Require(target.Arn);
        r.Server.Kms.CreateAlias(r.Region, alias, target.KeyId);
        return [];
    }

    private static JsonObject SetEnabled(KmsRequest r, bool enabled)
    {
        var key = r.Authorized(r.Key("KeyId"));
        r.Server.Kms.SetEnabled(key.KeyId, enabled);
        return [];
    }

    private static JsonObject Encrypt(KmsRequest r)
    {
        var key = r.Authorized(r.Key("KeyId"));
        var plaintext = r.Blob("Plaintext", "plaintext", MaxPlaintextBytes);
        var context = r.Context();
        r.Algorithm();
        r.Usable(key);
        return new JsonObject
        {
            ["CiphertextBlob"] = Convert.ToBase64String(r.Server.Kms.Encrypt(key, plaintext, context)),
            ["KeyId"] = key.Arn,
            ["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT",
        };
    }

    private static JsonObject Decrypt(KmsRequest r)
    {
        var blob = r.Blob("CiphertextBlob", "ciphertextBlob", MaxCiphertextBytes);
        var context = r.Context();
        r.Algorithm();
        var key = r.Server.Kms.KeyOf(r.Region, blob);
        if (r.String("KeyId") is { } named && r.Server.Kms.Resolve(r.Region, named).KeyId != key.KeyId)
        {
            throw new AwsError(400, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.");
        }

        r.Authorized(key);
        r.Usable(key);
        return new JsonObject
        {
            ["KeyId"] = key.Arn,
            ["Plaintext"] = Convert.ToBase64String(r.Server.Kms.Decrypt(key, blob, context)),
            ["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT",
        };
    }

    private static JsonObject Metadata(KmsKeyInfo key) => new()
    {
        ["AWSAccountId"] = key.Arn.Split(':')[4],
        ["KeyId"] = key.KeyId,
        ["Arn"] = key.Arn,
        ["CreationDate"] = new DateTimeOffset(key.Created).ToUnixTimeMilliseconds() / 1000.0,
        ["Enabled"] = key.Enabled,
        ["Description"] = key.Description ?? string.Empty,
        ["KeyUsage"] = "ENCRYPT_DECRYPT",
        ["KeyState"] = key.Enabled ? "Enabled" : "Disabled",
        ["Origin"] = "AWS_KMS",
        ["KeyManager"] = "CUSTOMER",
        ["CustomerMasterKeySpec"] = "SYMMETRIC_DEFAULT",
        ["KeySpec"] = "SYMMETRIC_DEFAULT",
        ["EncryptionAlgorithms"] = new JsonArray("SYMMETRIC_DEFAULT"),
        ["MultiRegion"] = false,
    };

    /// <summary>One KMS request: its input and caller, with the checks KMS makes of each member.</summary>
    private sealed record KmsRequest(LocalAwsServer Server, IamContext Caller, string Region, JsonObject Input)
    {
        public string? String(string member) => Input[member] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => throw new AwsError(400, "SerializationException", $"'{member}' must be a string."),
        };

        public AwsError Null(string member) =>
            KmsState.Validation($"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");

        public KmsKeyInfo Key(string member)
        {
            var id = String(member) ?? throw Null(char.ToLowerInvariant(member[0]) + member[1..]);
            if (id.Length is < 1 or > 2048)
            {
                throw KmsState.Validation($"1 validation error detected: Value '{id}' at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048");
            }

            return Server.Kms.Resolve(Region, id);
        }

        public byte[] Blob(string member, string shown, int max)
        {
            var text = String(member) ?? throw Null(shown);
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                throw new AwsError(400, "SerializationException", $"'{member}' is not valid base64.");
            }

            if (bytes.Length is 0 || bytes.Length > max)
            {
                throw KmsState.Validation(string.Create(CultureInfo.InvariantCulture,
                    $"1 validation error detected: Value at '{shown}' failed to satisfy constraint: Member must have length {(bytes.Length == 0 ? "greater than or equal to 1" : $"less than or equal to {max}")}"));
            }

            return bytes;
        }

        public IReadOnlyDictionary<string, string> Context()
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Input["EncryptionContext"] is null)
            {
                return result;
            }

            if (Input["EncryptionContext"] is not JsonObject map)
            {
                throw new AwsError(400, "SerializationException", "EncryptionContext must be a map of strings.");
            }

            foreach (var (k, v) in map)
            {
                result[k] = v is JsonValue s && s.TryGetValue<string>(out var text) ? text : throw new AwsError(400, "SerializationException", "EncryptionContext must be a map of strings.");
            }

            return result;
        }

        public void Algorithm()
        {
            switch (String("EncryptionAlgorithm"))
            {
                case null or "SYMMETRIC_DEFAULT":
                    return;
                case "RSAES_OAEP_SHA_1" or "RSAES_OAEP_SHA_256" or "SM2PKE":
                    throw new AwsError(400, "InvalidKeyUsageException", "The request was rejected because the specified encryption algorithm is not valid for this key.");
                case var other:
                    throw KmsState.Validation($"1 validation error detected: Value '{other}' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]");
            }
        }

        public void Require(string resource) => Access.Require(Caller, new Demand("kms:" + Caller.Action, resource, resource));

        public KmsKeyInfo Authorized(KmsKeyInfo key)
        {
            Require(key.Arn);
            return key;
        }

        public void Usable(KmsKeyInfo key)
        {
            if (!key.Enabled)
            {
                throw new AwsError(400, "DisabledException", $"{key.Arn} is disabled.");
            }
        }
    }
}
