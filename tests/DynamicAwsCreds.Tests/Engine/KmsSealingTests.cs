using System.Text;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Memory;
using DynamicAwsCreds.Engine.Store.Sealing;
using DynamicAwsCreds.Tests.Shared;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>
/// Root keys and cached credentials in a shared store (an <see cref="InMemoryLeaseStore"/> opened as one) are sealed
/// only with AWS KMS, here LocalAws's KMS reached with the AWS SDK's default chain (AWS_ACCESS_KEY_ID and
/// AWS_SECRET_ACCESS_KEY set to LocalAws's root key): without a KMS key they are refused, a key KMS refuses changes
/// nothing, and no plaintext secret reaches the store.
/// </summary>
public sealed class KmsSealingTests : IAsyncLifetime
{
    private const string Alias = "alias/dynamicawscreds";
    private static readonly string[] ChainVariables = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"];
    private readonly Dictionary<string, string?> _savedEnvironment = [];
    private LocalAwsServer _server = null!;
    private InMemoryLeaseStore _store = null!;
    private CredsEngine _engine = null!;

    public async Task InitializeAsync()
    {
        var options = new LocalAwsOptions();
        options.KmsKeys.Add((Alias, "us-east-1"));
        options.KmsKeys.Add(("alias/other", "us-east-1"));
        _server = await LocalAwsServer.StartAsync(options);
        foreach (var name in ChainVariables)
        {
            _savedEnvironment[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, null);
        }

        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", options.RootAccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", options.RootSecretAccessKey);
        _store = new InMemoryLeaseStore();
        _engine = SharedEngine(_server.Endpoint);
        _engine.EnableMount("aws", "aws", null, null, null);
        _engine.SetRole(null, "dev", new RoleInput { PolicyArns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"] });
    }

    public async Task DisposeAsync()
    {
        _engine.Dispose();
        foreach (var (name, value) in _savedEnvironment)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        await _server.DisposeAsync();
    }

    private CredsEngine SharedEngine(Uri kmsEndpoint) => new(new EngineOptions
    {
        Store = new Lazy<ILeaseStore>(_store),
        StoreLocation = _store.Location,
        Sealer = SecretSealers.ForSharedStore(new DynamoDbStoreLocation("t", "us-east-1", KmsEndpoint: kmsEndpoint)),
        SharedStore = true,
        DisplayName = "tester",
    });

    private RootConfigInput RootKeys(string? kmsKeyId, (string Id, string Secret)? keys = null) => new()
    {
        AccessKey = keys?.Id ?? _server.Options.RootAccessKeyId,
        SecretKey = keys?.Secret ?? _server.Options.RootSecretAccessKey,
        IamEndpoint = _server.Endpoint.ToString(),
        StsEndpoint = _server.Endpoint.ToString(),
        MaxRetries = 0,
        KmsKeyId = kmsKeyId,
    };

    private KmsKeyInfo AliasKey => _server.Kms.Resolve("us-east-1", Alias);

    private RootConfigRecord? Stored => _store.GetRootConfig("aws");

    private int KmsCalls(string action) => _server.State.Requests.Count(r => r.Service == "kms" && r.Action == action);

    private void AssertNoPlaintextSecret(byte[] value)
    {
        Assert.Equal(KmsSealer.Format, value[0]);
        Assert.DoesNotContain(_server.Options.RootSecretAccessKey, Encoding.UTF8.GetString(value), StringComparison.Ordinal);
        Assert.DoesNotContain(_server.Options.RootSecretAccessKey, Stored!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Root_keys_are_sealed_with_the_KMS_key_and_opened_by_KMS_for_an_issue()
    {
        var info = _engine.SetRootConfig(null, RootKeys(Alias));
        Assert.Equal(Alias, info.KmsKeyId);
        Assert.Equal(Alias, Stored!.KmsKeyId);
        AssertNoPlaintextSecret(Stored.SecretKeyCiphertext!);
        Assert.Equal(1, KmsCalls("Encrypt"));

        var issued = await _engine.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None);
        Assert.StartsWith("AKIA", issued.AccessKeyId, StringComparison.Ordinal);
        Assert.Equal(1, KmsCalls("Decrypt"));
        Assert.Equal(Alias, _engine.GetRootConfig(null).KmsKeyId);
    }

    [Fact]
    public void Root_keys_without_a_KMS_key_are_refused_and_nothing_is_written()
    {
        var e = Assert.Throws<EngineException>(() => _engine.SetRootConfig(null, RootKeys(null)));
        Assert.Equal("KmsKeyRequired", e.Reason);
        Assert.Contains("default credential chain", e.Message, StringComparison.Ordinal);
        Assert.Contains("-KmsKeyId", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_server.Options.RootSecretAccessKey, e.Message, StringComparison.Ordinal);
        Assert.Null(Stored);
        Assert.Equal(0, KmsCalls("Encrypt"));

        // The default chain needs no key: settings without keys are stored.
        _engine.SetRootConfig(null, new RootConfigInput { Region = "eu-west-1" });
        Assert.Null(Stored!.SecretKeyCiphertext);
    }

    [Theory]
    [InlineData("alias/missing", "NotFoundException")]
    [InlineData("disabled", "DisabledException")]
    public void A_key_KMS_refuses_is_KmsUnavailable_naming_the_key_and_code_and_nothing_is_written(string keyId, string code)
    {
        if (keyId == "disabled")
        {
            var key = AliasKey;
            _server.Kms.SetEnabled(key.KeyId, enabled: false);
            keyId = key.Arn;
        }

        var e = Assert.Throws<EngineException>(() => _engine.SetRootConfig(null, RootKeys(keyId)));
        Assert.Equal("KmsUnavailable", e.Reason);
        Assert.Equal(code, e.AwsCode);
        Assert.Contains(keyId, e.Message, StringComparison.Ordinal);
        Assert.Contains(code, e.Message, StringComparison.Ordinal);
        Assert.Null(Stored);
    }

    [Fact]
    public void An_unreachable_KMS_is_KmsUnavailable_and_nothing_is_written()
    {
        using var engine = SharedEngine(new Uri("http://127.0.0.1:9/"));
        var e = Assert.Throws<EngineException>(() => engine.SetRootConfig(null, RootKeys(Alias)));
        Assert.Equal("KmsUnavailable", e.Reason);
        Assert.Equal(ErrorKind.ConnectionError, e.Kind);
        Assert.Null(Stored);
    }

    [Fact]
    public void A_value_sealed_for_one_context_does_not_open_for_another()
    {
        using var sealer = new KmsSealer("us-east-1", _server.Endpoint);
        var sealedValue = sealer.Seal("secret-value", "root_config:a", Alias);
        Assert.Equal("secret-value", sealer.Open(sealedValue, "root_config:a"));

        var e = Assert.Throws<EngineException>(() => sealer.Open(sealedValue, "root_config:b"));
        Assert.Equal("KmsUnavailable", e.Reason);
        Assert.Equal("InvalidCiphertextException", e.AwsCode);
        Assert.Equal("KmsKeyRequired", Assert.Throws<EngineException>(() => sealer.Seal("secret-value", "root_config:a")).Reason);
    }

    [Fact]
    public async Task Rotation_reseals_with_the_same_KMS_key_and_a_new_KMS_key_reseals_the_stored_secret()
    {
        await SetMountRootKeysAsync();
        var before = Stored!;
        await _engine.RotateRootAsync(null, null, CancellationToken.None);
        var after = Stored!;
        Assert.NotEqual(before.AccessKey, after.AccessKey);
        Assert.Equal(Alias, after.KmsKeyId);
        Assert.Equal(KmsSealer.Format, after.SecretKeyCiphertext![0]);
        Assert.Contains(AliasKey.Arn, Encoding.UTF8.GetString(after.SecretKeyCiphertext), StringComparison.Ordinal);
        Assert.NotEqual(before.SecretKeyCiphertext, after.SecretKeyCiphertext);

        // Moving to another key re-seals the stored secret, so the first key may go.
        _engine.SetRootConfig(null, new RootConfigInput { KmsKeyId = "alias/other" });
        _server.Kms.SetEnabled(AliasKey.KeyId, enabled: false);
        Assert.Equal(after.AccessKey, Stored!.AccessKey);
        Assert.Equal("alias/other", Stored.KmsKeyId);
        await _engine.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None);
    }

    [Fact]
    public async Task Rotation_whose_new_key_KMS_cannot_seal_changes_nothing_and_deletes_the_new_key()
    {
        var root = await SetMountRootKeysAsync();
        var before = Stored!;
        _server.Options.AddFail(new FaultRule("Encrypt"));

        var e = await Assert.ThrowsAsync<EngineException>(() => _engine.RotateRootAsync(null, null, CancellationToken.None));
        Assert.Equal("KmsUnavailable", e.Reason);
        Assert.Equal("KMSInternalException", e.AwsCode);
        Assert.Equal(before.Generation, Stored!.Generation);
        Assert.Equal(before.SecretKeyCiphertext, Stored.SecretKeyCiphertext);
        Assert.Equal([before.AccessKey!], (await root.IamAsync("ListAccessKeys", ("UserName", "mount-root"))).Values("AccessKeyId"));
    }

    /// <summary>The mount's root keys are a user of their own, so rotating them leaves this host's default chain (KMS's caller) alone.</summary>
    private async Task<TestSigner> SetMountRootKeysAsync()
    {
        var root = new TestSigner(_server.Endpoint, _server.Options.RootAccessKeyId, _server.Options.RootSecretAccessKey);
        await root.IamAsync("CreateUser", ("UserName", "mount-root"));
        await root.IamAsync("AttachUserPolicy", ("UserName", "mount-root"), ("PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"));
        var key = await root.IamAsync("CreateAccessKey", ("UserName", "mount-root"));
        _engine.SetRootConfig(null, RootKeys(Alias, (key.Value("AccessKeyId")!, key.Value("SecretAccessKey")!)));
        return root;
    }

    [Fact]
    public async Task Cached_credentials_need_a_KMS_key_before_anything_is_issued_and_are_sealed_with_it()
    {
        _engine.SetRootConfig(null, new RootConfigInput { IamEndpoint = _server.Endpoint.ToString(), StsEndpoint = _server.Endpoint.ToString(), MaxRetries = 0 });
        var e = await Assert.ThrowsAsync<EngineException>(() => _engine.GetOrIssueCachedCredentialAsync(null, "dev", null, new StsOptions(), null, CancellationToken.None));
        Assert.Equal("KmsKeyRequired", e.Reason);
        Assert.Empty(_engine.ListLeases(null));
        Assert.DoesNotContain(_server.State.Users, u => u.UserName.StartsWith("vault-", StringComparison.Ordinal));

        _engine.SetRootConfig(null, new RootConfigInput { KmsKeyId = Alias });
        var first = await _engine.GetOrIssueCachedCredentialAsync(null, "dev", null, new StsOptions(), null, CancellationToken.None);
        var again = await _engine.GetOrIssueCachedCredentialAsync(null, "dev", null, new StsOptions(), null, CancellationToken.None);
        Assert.Equal(first.Lease.LeaseId, again.Lease.LeaseId);
        Assert.Equal(first.SecretAccessKey, again.SecretAccessKey);
        Assert.Equal(1, KmsCalls("Encrypt"));
        Assert.Equal(1, KmsCalls("Decrypt"));
    }

    [Fact]
    public async Task A_static_role_needs_a_KMS_key_before_anything_is_made_and_its_key_is_sealed_with_it()
    {
        _engine.SetRootConfig(null, new RootConfigInput { IamEndpoint = _server.Endpoint.ToString(), StsEndpoint = _server.Endpoint.ToString(), MaxRetries = 0 });
        var root = new TestSigner(_server.Endpoint, _server.Options.RootAccessKeyId, _server.Options.RootSecretAccessKey);
        await root.IamAsync("CreateUser", ("UserName", "svc-app"));
        var calls = _server.State.Requests.Count;

        var e = await Assert.ThrowsAsync<EngineException>(() => _engine.SetStaticRoleAsync(null, "app", "svc-app", TimeSpan.FromHours(1), null, CancellationToken.None));

        Assert.Equal("KmsKeyRequired", e.Reason);
        Assert.Equal(calls, _server.State.Requests.Count);
        Assert.Empty(_engine.GetStaticRoles(null));

        _engine.SetRootConfig(null, new RootConfigInput { KmsKeyId = Alias });
        await _engine.SetStaticRoleAsync(null, "app", "svc-app", TimeSpan.FromHours(1), null, CancellationToken.None);
        var credential = await _engine.GetStaticCredentialAsync(null, "app", null, CancellationToken.None);

        var sealedKey = _store.GetStaticRole("aws", "app")!.SecretKeyCiphertext;
        Assert.Equal(KmsSealer.Format, sealedKey[0]);
        Assert.DoesNotContain(credential.SecretAccessKey, Encoding.UTF8.GetString(sealedKey), StringComparison.Ordinal);
        Assert.Equal((1, 1), (KmsCalls("Encrypt"), KmsCalls("Decrypt")));
        Assert.Equal([credential.AccessKeyId], _server.State.GetUser("svc-app")!.AccessKeys.Select(k => k.AccessKeyId));
    }

    [Fact]
    public void A_file_store_refuses_a_KMS_key()
    {
        using var temp = new TempStore();
        using var engine = new CredsEngine(temp.StorePath);
        engine.EnableMount("aws", "aws", null, null, null);
        var e = Assert.Throws<EngineException>(() => engine.SetRootConfig(null, RootKeys(Alias)));
        Assert.Equal("KmsKeyIdNotSupported", e.Reason);
        Assert.Null(engine.GetRootConfig(null).AccessKey);
    }

    [Fact]
    public void A_KMS_key_id_KMS_could_not_take_is_InvalidKmsKeyId()
    {
        Assert.Equal("InvalidKmsKeyId", Assert.Throws<EngineException>(() => _engine.SetRootConfig(null, RootKeys("alias/with space"))).Reason);
        Assert.Equal("InvalidKmsKeyId", Assert.Throws<EngineException>(() => _engine.SetRootConfig(null, RootKeys("arn:aws:kms:us-east-1:123456789012:user/x"))).Reason);
        Assert.Null(Stored);
    }
}
