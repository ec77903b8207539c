using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Sqlite;
using DynamicAwsCreds.Tests.Shared;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>
/// A temporary store, an in-process LocalAws of the test's own and an engine on both, with the "aws" mount
/// pointed at LocalAws (no retries, so injected faults show at once). The engine's clock is <see cref="Now"/>.
/// </summary>
public abstract class EngineTestBase : IAsyncLifetime
{
    protected const string ReadOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    protected const string Account = "123456789012";

    protected TempStore Temp { get; } = new();
    protected LocalAwsServer Server { get; private set; } = null!;
    protected CredsEngine Engine { get; private set; } = null!;
    private protected TestSigner Root { get; private set; } = null!;
    protected DateTimeOffset Now { get; set; } = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    /// <summary>Enable the "aws" mount and point it at LocalAws before each test (off for tests that mount themselves).</summary>
    protected virtual bool MountAws => true;

    public async Task InitializeAsync()
    {
        Server = await LocalAwsServer.StartAsync(new LocalAwsOptions());
        Root = new TestSigner(Server.Endpoint, Server.Options.RootAccessKeyId, Server.Options.RootSecretAccessKey);
        Engine = new CredsEngine(Temp.StorePath, displayName: "tester", clock: () => Now);
        if (MountAws)
        {
            Mount();
        }

        Configure();
    }

    /// <summary>What each test class adds: roles, lease config.</summary>
    protected virtual void Configure()
    {
    }

    protected void Mount(string path = "aws", TimeSpan? defaultTtl = null, TimeSpan? maxTtl = null)
    {
        Engine.EnableMount("aws", path, null, defaultTtl, maxTtl);
        Engine.SetRootConfig(path, LocalAwsRootConfig());
    }

    /// <summary>LocalAws's root keys and endpoint, with no retries.</summary>
    protected RootConfigInput LocalAwsRootConfig() => new()
    {
        AccessKey = Server.Options.RootAccessKeyId,
        SecretKey = Server.Options.RootSecretAccessKey,
        IamEndpoint = Server.Endpoint.ToString(),
        StsEndpoint = Server.Endpoint.ToString(),
        MaxRetries = 0,
    };

    /// <summary>An IAM role in LocalAws that this account's root may assume, with ReadOnlyAccess; returns its ARN.</summary>
    protected async Task<string> CreateRoleAsync(string name, string? externalId = null, bool tagSession = false)
    {
        var condition = externalId is null ? string.Empty : $",\"Condition\":{{\"StringEquals\":{{\"sts:ExternalId\":\"{externalId}\"}}}}";
        var actions = tagSession ? "[\"sts:AssumeRole\",\"sts:TagSession\"]" : "\"sts:AssumeRole\"";
        var trust = $"{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"AWS\":\"arn:aws:iam::{Account}:root\"}},\"Action\":{actions}{condition}}}]}}";
        Ok(await Root.IamAsync("CreateRole", ("RoleName", name), ("AssumeRolePolicyDocument", trust), ("MaxSessionDuration", "7200")));
        Ok(await Root.IamAsync("AttachRolePolicy", ("RoleName", name), ("PolicyArn", ReadOnly)));
        return $"arn:aws:iam::{Account}:role/{name}";
    }

    protected IEnumerable<IamUserInfo> VaultUsers => Server.State.Users.Where(u => u.UserName.StartsWith("vault-", StringComparison.Ordinal));

    /// <summary>Nothing of an issue is left: no vault-* user in IAM, no lease and no intent in the store.</summary>
    protected void AssertNothingLeft()
    {
        Assert.Empty(VaultUsers);
        Assert.Empty(Engine.ListLeases(null));
        using var store = SqliteLeaseStore.Open(Temp.StorePath);
        Assert.Empty(store.ListPendingLeases());
    }

    protected void CreateGroup(string name) => RootCall("CreateGroup", ("GroupName", name));

    protected void RootCall(string action, params (string, string)[] parameters) => Ok(Root.IamAsync(action, parameters).GetAwaiter().GetResult());

    /// <summary>A process that has exited: its pid and start time, as an intent's owner records them.</summary>
    protected static (int Id, DateTimeOffset Start) DeadProcess()
    {
        using var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true })!;
        var start = new DateTimeOffset(child.StartTime.ToUniversalTime(), TimeSpan.Zero);
        child.WaitForExit();
        return (child.Id, start);
    }

    private protected static AwsAnswer Ok(AwsAnswer answer)
    {
        Assert.True(answer.Status == System.Net.HttpStatusCode.OK, answer.Body);
        return answer;
    }

    public async Task DisposeAsync()
    {
        Engine.Dispose();
        await Server.DisposeAsync();
        Temp.Dispose();
    }
}
