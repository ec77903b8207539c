using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Tests.Shared;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>
/// Revoking under README.md's root policy, which does not allow the optional clean-up calls (login profile, MFA
/// devices, SSH keys, signing certificates, service-specific credentials): a plain issued user is still deleted.
/// </summary>
public sealed class LeastPrivilegeRevokeTests : IAsyncLifetime
{
    private const string Account = "123456789012";
    private const string ReadOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess";

    private static readonly string[] OptionalCalls =
    [
        "DeleteLoginProfile", "ListMFADevices", "ListSSHPublicKeys", "ListSigningCertificates", "ListServiceSpecificCredentials",
    ];

    /// <summary>The optional calls denied outright, not merely left out (both are AccessDenied).</summary>
    private const string DenyOptional = """
        {"Effect":"Deny","Action":["iam:DeleteLoginProfile","iam:ListMFADevices","iam:DeactivateMFADevice","iam:ListSSHPublicKeys","iam:DeleteSSHPublicKey",
        "iam:ListSigningCertificates","iam:DeleteSigningCertificate","iam:ListServiceSpecificCredentials","iam:DeleteServiceSpecificCredential"],"Resource":"*"}
        """;

    private readonly TempStore _temp = new();
    private LocalAwsServer _server = null!;
    private CredsEngine _engine = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync(bool explicitDeny)
    {
        var policy = ReadmePolicies.Base(Account);
        if (explicitDeny)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(policy)!;
            node["Statement"]!.AsArray().Add(System.Text.Json.Nodes.JsonNode.Parse(DenyOptional));
            policy = node.ToJsonString();
        }

        _server = await LocalAwsServer.StartAsync(new LocalAwsOptions { RootPolicy = policy });
        _engine = new CredsEngine(_temp.StorePath, displayName: "tester");
        _engine.EnableMount("aws", "aws", null, null, null);
        _engine.SetRootConfig("aws", new RootConfigInput
        {
            AccessKey = _server.Options.RootAccessKeyId,
            SecretKey = _server.Options.RootSecretAccessKey,
            IamEndpoint = _server.Endpoint.ToString(),
            StsEndpoint = _server.Endpoint.ToString(),
            MaxRetries = 0,
        });
        _engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });
    }

    private TestSigner RootSigner => new(_server.Endpoint, _server.Options.RootAccessKeyId, _server.Options.RootSecretAccessKey);

    private IEnumerable<LocalAwsRequestRecord> Calls(string action) => _server.State.Requests.Where(r => r.Action == action);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Revoke_Lease_deletes_a_plain_issued_user(bool explicitDeny)
    {
        await StartAsync(explicitDeny);
        var issued = await _engine.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None);

        var outcome = await _engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);

        Assert.Equal(RevokeStatus.Revoked, outcome.Status);
        Assert.False(_server.State.UserExists(issued.Lease.UserName!));
        Assert.Empty(_engine.ListLeases(null));
        Assert.DoesNotContain(_server.State.Requests, r => r.StatusCode == 403);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_DeleteConflict_the_refused_optional_calls_are_skipped_and_the_user_is_deleted(bool explicitDeny)
    {
        await StartAsync(explicitDeny);
        var issued = await _engine.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None);
        var userName = issued.Lease.UserName!;

        // A key that appears after revoke listed the user's keys (someone, or IAM's eventual consistency) makes the
        // first DeleteUser answer DeleteConflict: the revoker then goes through every kind of attachment, optional ones too.
        using var http = new HttpClient(new BeforeFirstDeleteUser(() => RootSigner.IamAsync("CreateAccessKey", ("UserName", userName))) { InnerHandler = new HttpClientHandler() });
        var iam = new IamClient(new QueryClient(http, new AwsClientOptions
        {
            Endpoint = _server.Endpoint,
            Region = "us-east-1",
            Service = "iam",
            Version = "2010-05-08",
            MaxRetries = 0,
        }, _ => ValueTask.FromResult(new AwsCredentials(_server.Options.RootAccessKeyId, _server.Options.RootSecretAccessKey))));

        Assert.Equal(UserCleanup.Deleted, await Revoker.DeleteUserAsync(iam, userName, CancellationToken.None));

        Assert.False(_server.State.UserExists(userName));
        Assert.Equal(["DeleteConflict", null], Calls("DeleteUser").Select(r => r.ErrorCode));
        foreach (var action in OptionalCalls)
        {
            Assert.Equal("AccessDenied", Assert.Single(Calls(action)).ErrorCode);
        }
    }

    /// <summary>Runs <paramref name="before"/> once, just before the first DeleteUser request goes out.</summary>
    private sealed class BeforeFirstDeleteUser(Func<Task<AwsAnswer>> before) : DelegatingHandler
    {
        private int _done;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
            if (body.Contains("Action=DeleteUser&", StringComparison.Ordinal) && Interlocked.Exchange(ref _done, 1) == 0)
            {
                var answer = await before();
                Assert.True(answer.Status == System.Net.HttpStatusCode.OK, answer.Body);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    public async Task DisposeAsync()
    {
        _engine?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _temp.Dispose();
    }
}
