using Xunit;
using DynamicAwsCreds.Tests.Shared;

namespace LocalAws.Tests;

/// <summary>Starts one LocalAws per test (each test owns its state) and gives a root-signed client.</summary>
internal sealed class LocalAwsHarness : IAsyncDisposable
{
    private LocalAwsHarness(LocalAwsServer server)
    {
        Server = server;
        Root = new TestSigner(server.Endpoint, server.Options.RootAccessKeyId, server.Options.RootSecretAccessKey);
    }

    public LocalAwsServer Server { get; }

    public TestSigner Root { get; }

    public static async Task<LocalAwsHarness> StartAsync(Action<LocalAwsOptions>? configure = null)
    {
        var options = new LocalAwsOptions();
        configure?.Invoke(options);
        return new LocalAwsHarness(await LocalAwsServer.StartAsync(options));
    }

    /// <summary>Creates a user with an access key and returns a client signing as that user.</summary>
    public async Task<TestSigner> UserWithKeyAsync(string userName, params string[] managedPolicyArns)
    {
        Ok(await Root.IamAsync("CreateUser", ("UserName", userName)));
        foreach (var arn in managedPolicyArns)
        {
            Ok(await Root.IamAsync("AttachUserPolicy", ("UserName", userName), ("PolicyArn", arn)));
        }

        var key = Ok(await Root.IamAsync("CreateAccessKey", ("UserName", userName)));
        return Root.WithKey(key.Value("AccessKeyId")!, key.Value("SecretAccessKey")!);
    }

    public static AwsAnswer Ok(AwsAnswer answer)
    {
        Assert.True(answer.Status == System.Net.HttpStatusCode.OK, $"expected 200, got {(int)answer.Status}: {answer.Body}");
        return answer;
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
