using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Tests.Shared;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>
/// Static roles under README.md's root policy: its StaticRoles statement (on user/svc-*) is all that setting and
/// rotating need, and a user outside it is refused by AWS with nothing stored.
/// </summary>
public sealed class LeastPrivilegeStaticRoleTests : IAsyncLifetime
{
    private const string Account = "123456789012";

    /// <summary>Only for the test's own set-up: making the users the static roles manage.</summary>
    private const string MakeUsers = """{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*"}""";

    private readonly TempStore _temp = new();
    private LocalAwsServer _server = null!;
    private CredsEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalAwsServer.StartAsync(new LocalAwsOptions { RootPolicy = ReadmePolicies.Combined(Account, MakeUsers) });
        var root = new TestSigner(_server.Endpoint, _server.Options.RootAccessKeyId, _server.Options.RootSecretAccessKey);
        foreach (var user in new[] { "svc-app", "other-app" })
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await root.IamAsync("CreateUser", ("UserName", user))).Status);
        }

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
    }

    [Fact]
    public async Task The_StaticRoles_statement_lets_a_static_role_be_set_and_rotated()
    {
        var role = await _engine.SetStaticRoleAsync(null, "app", "svc-app", TimeSpan.FromHours(1), null, CancellationToken.None);
        var rotated = await _engine.RotateStaticCredentialAsync(null, "app", null, CancellationToken.None);

        Assert.NotEqual(role.AccessKeyId, rotated.AccessKeyId);
        Assert.Equal([rotated.AccessKeyId], _server.State.GetUser("svc-app")!.AccessKeys.Select(k => k.AccessKeyId));
    }

    [Fact]
    public async Task A_user_outside_the_statement_is_refused_by_AWS_and_nothing_is_stored()
    {
        var error = await Assert.ThrowsAsync<EngineException>(() =>
            _engine.SetStaticRoleAsync(null, "other", "other-app", TimeSpan.FromHours(1), null, CancellationToken.None));

        Assert.Equal("AwsAccessDenied", error.Reason);
        Assert.Empty(_engine.GetStaticRoles(null));
        Assert.Empty(_server.State.GetUser("other-app")!.AccessKeys);
    }

    public async Task DisposeAsync()
    {
        _engine.Dispose();
        await _server.DisposeAsync();
        _temp.Dispose();
    }
}
