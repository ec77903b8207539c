using DynamicAwsCreds.Engine.Aws;
using LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Aws;

/// <summary>The client against LocalAws, which verifies SigV4 and answers as AWS documents.</summary>
public sealed class IamClientLocalAwsTests : IAsyncLifetime
{
    private const string ReadOnlyAccess = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    private const string Policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}";

    private readonly LocalAwsOptions _options = new() { Port = 0 };
    private readonly HttpClient _http = AwsClientFactory.CreateHttpClient();
    private LocalAwsServer _server = null!;

    public async Task InitializeAsync() => _server = await LocalAwsServer.StartAsync(_options);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _http.Dispose();
    }

    private AwsCredentials RootKey => new(_options.RootAccessKeyId, _options.RootSecretAccessKey);

    private QueryClient Query(string service, AwsCredentials key, int maxRetries = 3, Action<AwsCallRecord>? onCall = null) =>
        new(_http, new AwsClientOptions
        {
            Endpoint = _server.Endpoint,
            Region = "us-east-1",
            Service = service,
            Version = service == "iam" ? "2010-05-08" : "2011-06-15",
            MaxRetries = maxRetries,
            BaseDelay = TimeSpan.FromMilliseconds(5),
            OnCall = onCall,
        }, _ => ValueTask.FromResult(key));

    private IamClient Iam(AwsCredentials? key = null, int maxRetries = 3, Action<AwsCallRecord>? onCall = null) =>
        new(Query("iam", key ?? RootKey, maxRetries, onCall));

    [Fact]
    public async Task IssueUseAndRevokeAUser()
    {
        var iam = Iam();
        const string name = "vault-test-role-1700000000-abc";

        var user = await iam.CreateUserAsync(name, "/dynamicawscreds/", tags: new Dictionary<string, string> { ["lease"] = "x y+z" });
        Assert.Equal(name, user.UserName);
        Assert.Equal("/dynamicawscreds/", user.Path);
        Assert.EndsWith($":user/dynamicawscreds/{name}", user.Arn);

        await iam.AttachUserPolicyAsync(name, ReadOnlyAccess);
        await iam.PutUserPolicyAsync(name, "role", Policy);
        var key = await iam.CreateAccessKeyAsync(name);
        Assert.Equal((name, "Active"), (key.UserName, key.Status));

        Assert.Equal([new AttachedPolicy("ReadOnlyAccess", ReadOnlyAccess)], await iam.ListAttachedUserPoliciesAsync(name));
        Assert.Equal(["role"], await iam.ListUserPoliciesAsync(name));
        Assert.Equal([key.AccessKeyId], (await iam.ListAccessKeysAsync(name)).Select(k => k.AccessKeyId));
        Assert.Empty(await iam.ListGroupsForUserAsync(name));
        Assert.Empty(await iam.ListMfaDeviceSerialsAsync(name));
        Assert.Empty(await iam.ListSshPublicKeyIdsAsync(name));
        Assert.Empty(await iam.ListSigningCertificateIdsAsync(name));
        Assert.Empty(await iam.ListServiceSpecificCredentialIdsAsync(name));
        Assert.Contains(name, (await iam.ListUsersAsync("/dynamicawscreds/")).Select(u => u.UserName));
        Assert.Equal(user.Arn, (await iam.GetUserAsync(name)).Arn);

        var identity = await new StsQueryClient(Query("sts", new AwsCredentials(key.AccessKeyId, key.SecretAccessKey)))
            .GetCallerIdentityAsync();
        Assert.Equal(user.Arn, identity.Arn);
        Assert.Equal(user.UserId, identity.UserId);

        var conflict = await Assert.ThrowsAsync<AwsServiceException>(() => iam.DeleteUserAsync(name));
        Assert.Equal(("DeleteConflict", 409), (conflict.Code, conflict.StatusCode));

        await iam.DetachUserPolicyAsync(name, ReadOnlyAccess);
        await iam.DeleteUserPolicyAsync(name, "role");
        await iam.DeleteAccessKeyAsync(key.AccessKeyId, name);
        var noLogin = await Assert.ThrowsAsync<AwsServiceException>(() => iam.DeleteLoginProfileAsync(name));
        Assert.True(noLogin.IsNoSuchEntity);
        await iam.DeleteUserAsync(name);

        var gone = await Assert.ThrowsAsync<AwsServiceException>(() => iam.GetUserAsync(name));
        Assert.Equal(("NoSuchEntity", 404), (gone.Code, gone.StatusCode));
    }

    [Fact]
    public async Task TheRootIdentityAndAWrongSecret()
    {
        var me = await new StsQueryClient(Query("sts", RootKey)).GetCallerIdentityAsync();
        Assert.Equal(_options.AccountId, me.Account);

        var bad = Iam(new AwsCredentials(_options.RootAccessKeyId, "not-the-secret"));
        var error = await Assert.ThrowsAsync<AwsServiceException>(() => bad.ListUsersAsync());
        Assert.Equal(("SignatureDoesNotMatch", 403), (error.Code, error.StatusCode));
    }

    [Fact]
    public async Task ListUsersPagesThroughMoreThanOnePage()
    {
        var iam = Iam();
        var names = Enumerable.Range(0, 130).Select(i => $"page-user-{i:D3}").ToList();
        await Task.WhenAll(names.Select(n => iam.CreateUserAsync(n, "/paging/")));

        var listed = await iam.ListUsersAsync("/paging/");

        Assert.Equal(names, listed.Select(u => u.UserName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task FailuresAndDropsAreRetried()
    {
        _options.AddFail(new FaultRule("CreateUser", 1));
        _options.AddDrop(new FaultRule("GetUser", 1));
        var records = new System.Collections.Concurrent.ConcurrentQueue<AwsCallRecord>();
        var iam = Iam(onCall: records.Enqueue);

        await iam.CreateUserAsync("retried");
        Assert.Equal("retried", (await iam.GetUserAsync("retried")).UserName);

        Assert.Equal(
            [("CreateUser", 500, "ServiceFailure", 1), ("CreateUser", 200, null, 2), ("GetUser", null, "HttpRequestException", 1), ("GetUser", 200, null, 2)],
            records.Select(r => (r.Action, r.StatusCode, r.ErrorCode, r.Attempt)));
    }

    [Fact]
    public async Task ThrottlingIsRetriedUntilItPasses()
    {
        _options.ThrottleRps = 5;
        var records = new System.Collections.Concurrent.ConcurrentQueue<AwsCallRecord>();
        var iam = Iam(maxRetries: 10, onCall: records.Enqueue);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => iam.CreateUserAsync($"throttled-{i}")));

        Assert.Contains(records, r => r is { ErrorCode: "Throttling", StatusCode: 400 });
        Assert.Equal(10, (await iam.ListUsersAsync()).Count(u => u.UserName.StartsWith("throttled-", StringComparison.Ordinal)));
    }
}
