using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Xunit;
using static LocalAws.Tests.LocalAwsHarness;

namespace LocalAws.Tests;

/// <summary>
/// LocalAws's KMS, driven by the AWS SDK's own KMS client (the JSON 1.1 protocol and SigV4 as AWS's clients speak
/// them) and by raw requests for the error shape: Encrypt and Decrypt by key id, key ARN, alias and alias ARN, the
/// encryption context bound to the ciphertext, and KMS's error codes.
/// </summary>
public sealed class LocalAwsKmsTests
{
    private const string Alias = "alias/dynamicawscreds";

    private static AmazonKeyManagementServiceClient Client(LocalAwsHarness aws, string? accessKey = null, string? secret = null, string region = "us-east-1") =>
        new(new BasicAWSCredentials(accessKey ?? aws.Server.Options.RootAccessKeyId, secret ?? aws.Server.Options.RootSecretAccessKey),
            new AmazonKeyManagementServiceConfig { ServiceURL = aws.Server.Endpoint.ToString(), AuthenticationRegion = region, MaxErrorRetry = 0 });

    private static Task<LocalAwsHarness> WithKeyAsync() => StartAsync(o => o.KmsKeys.Add(LocalAwsOptions.ParseKmsKey(Alias)));

    private static MemoryStream Bytes(string s) => new(Encoding.UTF8.GetBytes(s));

    private static Dictionary<string, string> Context(string value) => new() { ["purpose"] = value };

    [Fact]
    public async Task Encrypts_by_alias_and_decrypts_without_a_key_id_under_the_same_context()
    {
        await using var aws = await WithKeyAsync();
        using var kms = Client(aws);
        var key = Assert.Single(aws.Server.Kms.Keys);

        foreach (var keyId in new[] { Alias, $"arn:aws:kms:us-east-1:123456789012:{Alias}", key.KeyId, key.Arn })
        {
            var sealedValue = await kms.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = Bytes("secret"), EncryptionContext = Context("a") });
            Assert.Equal(key.Arn, sealedValue.KeyId);
            Assert.Equal(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT, sealedValue.EncryptionAlgorithm);
            Assert.DoesNotContain("secret", Encoding.UTF8.GetString(sealedValue.CiphertextBlob.ToArray()), StringComparison.Ordinal);

            var opened = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = sealedValue.CiphertextBlob, EncryptionContext = Context("a") });
            Assert.Equal(key.Arn, opened.KeyId);
            Assert.Equal("secret", Encoding.UTF8.GetString(opened.Plaintext.ToArray()));
        }
    }

    [Fact]
    public async Task A_ciphertext_does_not_open_under_another_context_or_none()
    {
        await using var aws = await WithKeyAsync();
        using var kms = Client(aws);
        var blob = (await kms.EncryptAsync(new EncryptRequest { KeyId = Alias, Plaintext = Bytes("secret"), EncryptionContext = Context("a") })).CiphertextBlob;

        var other = await Assert.ThrowsAsync<InvalidCiphertextException>(() => kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob.ToArray()), EncryptionContext = Context("b") }));
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob.ToArray()) }));
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => kms.DecryptAsync(new DecryptRequest { CiphertextBlob = Bytes("not a ciphertext of this account"), EncryptionContext = Context("a") }));
    }

    [Fact]
    public async Task Unknown_keys_disabled_keys_and_keys_of_another_region_are_refused_with_KMS_codes()
    {
        await using var aws = await WithKeyAsync();
        using var kms = Client(aws);
        var key = Assert.Single(aws.Server.Kms.Keys);

        var missing = await Assert.ThrowsAsync<NotFoundException>(() => kms.EncryptAsync(new EncryptRequest { KeyId = "alias/none", Plaintext = Bytes("x") }));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("alias/none", missing.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotFoundException>(() => kms.EncryptAsync(new EncryptRequest { KeyId = Guid.NewGuid().ToString(), Plaintext = Bytes("x") }));
        using (var west = Client(aws, region: "us-west-2"))
        {
            await Assert.ThrowsAsync<NotFoundException>(() => west.EncryptAsync(new EncryptRequest { KeyId = Alias, Plaintext = Bytes("x") }));
        }

        var blob = (await kms.EncryptAsync(new EncryptRequest { KeyId = Alias, Plaintext = Bytes("x") })).CiphertextBlob.ToArray();
        await kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId });
        Assert.Equal(KeyState.Disabled, (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = Alias })).KeyMetadata.KeyState);
        await Assert.ThrowsAsync<DisabledException>(() => kms.EncryptAsync(new EncryptRequest { KeyId = Alias, Plaintext = Bytes("x") }));
        await Assert.ThrowsAsync<DisabledException>(() => kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob) }));
        await kms.EnableKeyAsync(new EnableKeyRequest { KeyId = key.Arn });
        Assert.Equal("x", Encoding.UTF8.GetString((await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob) })).Plaintext.ToArray()));
    }

    [Fact]
    public async Task Bad_input_is_a_ValidationException_and_a_wrong_KeyId_on_Decrypt_is_IncorrectKeyException()
    {
        await using var aws = await WithKeyAsync();
        using var kms = Client(aws);
        var tooBig = new MemoryStream(new byte[4097]);
        var big = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.EncryptAsync(new EncryptRequest { KeyId = Alias, Plaintext = tooBig }));
        Assert.Equal("ValidationException", big.ErrorCode);

        var other = await kms.CreateKeyAsync(new CreateKeyRequest { Description = "other" });
        var blob = (await kms.EncryptAsync(new EncryptRequest { KeyId = Alias, Plaintext = Bytes("x") })).CiphertextBlob.ToArray();
        await Assert.ThrowsAsync<IncorrectKeyException>(() => kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob), KeyId = other.KeyMetadata.KeyId }));
    }

    [Fact]
    public async Task CreateKey_and_CreateAlias_make_a_key_tests_can_name_and_an_alias_is_taken_once()
    {
        await using var aws = await StartAsync();
        using var kms = Client(aws);
        var created = await kms.CreateKeyAsync(new CreateKeyRequest { Description = "store" });
        Assert.Equal($"arn:aws:kms:us-east-1:123456789012:key/{created.KeyMetadata.KeyId}", created.KeyMetadata.Arn);
        Assert.Equal(KeyState.Enabled, created.KeyMetadata.KeyState);
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/store", TargetKeyId = created.KeyMetadata.KeyId });

        var sealedValue = await kms.EncryptAsync(new EncryptRequest { KeyId = "alias/store", Plaintext = Bytes("x") });
        Assert.Equal(created.KeyMetadata.Arn, sealedValue.KeyId);
        await Assert.ThrowsAsync<AlreadyExistsException>(() => kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/store", TargetKeyId = created.KeyMetadata.KeyId }));
    }

    [Fact]
    public async Task A_caller_whose_IAM_policy_does_not_allow_kms_Encrypt_gets_AccessDeniedException()
    {
        await using var aws = await WithKeyAsync();
        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "no-kms")));
        var userKey = Ok(await aws.Root.IamAsync("CreateAccessKey", ("UserName", "no-kms")));
        using var kms = Client(aws, userKey.Value("AccessKeyId"), userKey.Value("SecretAccessKey"));
        var key = Assert.Single(aws.Server.Kms.Keys);

        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.EncryptAsync(new EncryptRequest { KeyId = Alias, Plaintext = Bytes("x") }));
        Assert.Equal("AccessDeniedException", denied.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, denied.StatusCode);
        Assert.Equal($"User: arn:aws:iam::123456789012:user/no-kms is not authorized to perform: kms:Encrypt on resource: {key.Arn} because no identity-based policy allows the kms:Encrypt action", denied.Message);
    }

    [Fact]
    public async Task Signatures_are_checked_as_for_IAM_with_the_JSON_protocols_codes()
    {
        await using var aws = await WithKeyAsync();
        using (var wrongSecret = Client(aws, secret: "wrong-secret-wrong-secret-wrong-secret00"))
        {
            var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => wrongSecret.EncryptAsync(new EncryptRequest { KeyId = Alias, Plaintext = Bytes("x") }));
            Assert.Equal("InvalidSignatureException", e.ErrorCode);
        }

        using (var unknown = Client(aws, accessKey: "AKIDEXAMPLEUNKNOWN00"))
        {
            var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => unknown.EncryptAsync(new EncryptRequest { KeyId = Alias, Plaintext = Bytes("x") }));
            Assert.Equal("UnrecognizedClientException", e.ErrorCode);
        }

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, aws.Server.Endpoint)
        {
            Content = new StringContent("{\"KeyId\":\"alias/dynamicawscreds\",\"Plaintext\":\"eA==\"}", Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        request.Headers.Add("X-Amz-Target", "TrentService.Encrypt");
        using var answer = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.Equal("MissingAuthenticationTokenException", json.RootElement.GetProperty("__type").GetString());
        Assert.True(json.RootElement.TryGetProperty("message", out _));
    }
}
