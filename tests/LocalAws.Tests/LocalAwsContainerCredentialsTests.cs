using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Amazon.Runtime;
using Xunit;
using DynamicAwsCreds.Tests.Shared;
using static LocalAws.Tests.LocalAwsHarness;

namespace LocalAws.Tests;

/// <summary>The ECS/EKS container credentials endpoint (GET /container-credentials/[role]) and the credentials it mints.</summary>
public sealed class LocalAwsContainerCredentialsTests
{
    private const string AccountTrust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}""";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The SDK's container provider reads process-wide environment variables; tests that set them take turns.</summary>
    private static readonly SemaphoreSlim EnvironmentGate = new(1, 1);

    private static async Task<(HttpStatusCode Status, JsonElement Json)> GetAsync(Uri uri, string? authorization = null, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, uri);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await Http.SendAsync(request);
        Assert.Equal(new MediaTypeHeaderValue("application/json"), response.Content.Headers.ContentType);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Get_ReturnsEcsShape_AssumedRoleCredentialsThatWorkForStsAndIam()
    {
        await using var aws = await StartAsync();
        Assert.Equal(new Uri(aws.Server.Endpoint, "container-credentials/localaws-container-role"), aws.Server.ContainerCredentialsUri);
        Assert.False(aws.Server.State.RoleExists(LocalAwsServer.DefaultContainerRoleName));

        var (status, json) = await GetAsync(aws.Server.ContainerCredentialsUri);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            ["AccessKeyId", "SecretAccessKey", "Token", "Expiration", "RoleArn", "AccountId"],
            json.EnumerateObject().Select(p => p.Name).ToArray());
        var keyId = json.GetProperty("AccessKeyId").GetString()!;
        var secret = json.GetProperty("SecretAccessKey").GetString()!;
        var token = json.GetProperty("Token").GetString()!;
        Assert.Matches("^ASIA[A-Z0-9]{16}$", keyId);
        Assert.Equal(40, secret.Length);
        Assert.True(token.Length >= 200, "session token should be long and opaque");
        var expirationText = json.GetProperty("Expiration").GetString()!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", expirationText);
        var expiration = DateTime.Parse(expirationText, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        Assert.InRange((expiration - DateTime.UtcNow).TotalSeconds, 3600 - 30, 3600 + 5);
        Assert.Equal("arn:aws:iam::123456789012:role/localaws-container-role", json.GetProperty("RoleArn").GetString());
        Assert.Equal("123456789012", json.GetProperty("AccountId").GetString());

        // The role now exists as a real IAM role; the credentials are an AssumeRole session of it.
        var role = aws.Server.State.GetRole(LocalAwsServer.DefaultContainerRoleName)!;
        Assert.Contains("arn:aws:iam::aws:policy/AdministratorAccess", role.AttachedPolicyArns);
        var session = aws.Server.State.FindSession(keyId)!;
        Assert.Equal("AssumedRole", session.Kind);
        Assert.Equal(LocalAwsServer.DefaultContainerRoleName, session.RoleName);

        var container = aws.Root.WithSession(keyId, secret, token);
        var me = Ok(await container.StsAsync("GetCallerIdentity"));
        Assert.Matches(@"^arn:aws:sts::123456789012:assumed-role/localaws-container-role/localaws-container-\d+$", me.Value("Arn"));
        Ok(await container.IamAsync("ListUsers"));
        Ok(await container.IamAsync("CreateUser", ("UserName", "made-by-container")));
        Assert.True(aws.Server.State.UserExists("made-by-container"));

        // The request log (also served as JSON for out-of-process tests) names the assumed-role session as the caller.
        Assert.Equal(me.Value("Arn"), aws.Server.State.Requests.Single(r => r.Action == "CreateUser").CallerArn);
        using (var log = JsonDocument.Parse(await Http.GetStringAsync(new Uri(aws.Server.Endpoint, "_localaws/requests"))))
        {
            var createUser = log.RootElement.EnumerateArray().Single(r => r.GetProperty("Action").GetString() == "CreateUser");
            Assert.Equal(me.Value("Arn"), createUser.GetProperty("CallerArn").GetString());
            Assert.Equal(keyId, createUser.GetProperty("AccessKeyId").GetString());
            Assert.Equal(200, createUser.GetProperty("StatusCode").GetInt32());
            var first = log.RootElement.EnumerateArray().First();
            Assert.Equal("ContainerCredentials", first.GetProperty("Action").GetString());
            Assert.Equal(JsonValueKind.Null, first.GetProperty("CallerArn").ValueKind);
        }

        // Without the session token the key is not recognised.
        Assert.Equal("InvalidClientTokenId", (await aws.Root.WithSession(keyId, secret, null).StsAsync("GetCallerIdentity")).ErrorCode);

        // Every GET mints a new session; the role is created once. Recorded under the action ContainerCredentials.
        var (_, second) = await GetAsync(new Uri(aws.Server.Endpoint, "container-credentials/"));
        Assert.NotEqual(keyId, second.GetProperty("AccessKeyId").GetString());
        Assert.Single(aws.Server.State.Roles, r => r.RoleName == LocalAwsServer.DefaultContainerRoleName);
        Assert.Equal(2, aws.Server.State.CountRequests(LocalAwsServer.ContainerCredentialsAction));
    }

    [Fact]
    public async Task Token_MissingIs401_WrongIs403_RightIs200()
    {
        await using var aws = await StartAsync(o => o.ContainerAuthorizationToken = "container-s3cret");
        var uri = aws.Server.ContainerCredentialsUri;

        var (missing, missingJson) = await GetAsync(uri);
        Assert.Equal(HttpStatusCode.Unauthorized, missing);
        Assert.Equal("MissingAuthorizationToken", missingJson.GetProperty("code").GetString());

        var (wrong, wrongJson) = await GetAsync(uri, "not-the-token");
        Assert.Equal(HttpStatusCode.Forbidden, wrong);
        Assert.Equal("AccessDenied", wrongJson.GetProperty("code").GetString());
        Assert.Empty(aws.Server.State.Sessions);
        Assert.False(aws.Server.State.RoleExists(LocalAwsServer.DefaultContainerRoleName));

        var (ok, json) = await GetAsync(uri, "container-s3cret");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.StartsWith("ASIA", json.GetProperty("AccessKeyId").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NamedRole_UsesThatRolesPolicies_UnknownRoleIs404_PostIs405_QueryProtocolUnaffected()
    {
        await using var aws = await StartAsync();
        Ok(await aws.Root.IamAsync("CreateRole", ("RoleName", "reader"), ("AssumeRolePolicyDocument", AccountTrust)));
        Ok(await aws.Root.IamAsync("AttachRolePolicy", ("RoleName", "reader"), ("PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess")));

        var (status, json) = await GetAsync(new Uri(aws.Server.Endpoint, "container-credentials/reader"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("arn:aws:iam::123456789012:role/reader", json.GetProperty("RoleArn").GetString());
        var reader = aws.Root.WithSession(json.GetProperty("AccessKeyId").GetString()!, json.GetProperty("SecretAccessKey").GetString()!, json.GetProperty("Token").GetString());
        Ok(await reader.IamAsync("ListUsers"));
        Assert.Equal("AccessDenied", (await reader.IamAsync("CreateUser", ("UserName", "nope"))).ErrorCode);
        Assert.False(aws.Server.State.RoleExists(LocalAwsServer.DefaultContainerRoleName));

        var (unknown, unknownJson) = await GetAsync(new Uri(aws.Server.Endpoint, "container-credentials/ghost"));
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal("NoSuchEntity", unknownJson.GetProperty("code").GetString());

        var (post, _) = await GetAsync(aws.Server.ContainerCredentialsUri, method: HttpMethod.Post);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post);

        Ok(await aws.Root.StsAsync("GetCallerIdentity"));
    }

    [Fact]
    public async Task FaultInjection_AppliesUnderTheActionName()
    {
        await using var aws = await StartAsync(o => o.Fail.Add(FaultRule.Parse(LocalAwsServer.ContainerCredentialsAction + ":1")));
        var (first, json) = await GetAsync(aws.Server.ContainerCredentialsUri);
        Assert.Equal(HttpStatusCode.InternalServerError, first);
        Assert.Equal("ServiceFailure", json.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(aws.Server.ContainerCredentialsUri)).Status);
    }

    /// <summary>AWSSDK.Core's own container provider (what the default chain uses) accepts the endpoint's answer.</summary>
    [Fact]
    public async Task AwsSdkGenericContainerCredentials_ReadsTheEndpoint()
    {
        await using var aws = await StartAsync(o => o.ContainerAuthorizationToken = "sdk-token");
        await EnvironmentGate.WaitAsync();
        var saved = new[] { "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" }
            .ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", null);
            Environment.SetEnvironmentVariable("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", null);
            Environment.SetEnvironmentVariable("AWS_CONTAINER_CREDENTIALS_FULL_URI", aws.Server.ContainerCredentialsUri.ToString());
            Environment.SetEnvironmentVariable("AWS_CONTAINER_AUTHORIZATION_TOKEN", "sdk-token");

            var provider = new GenericContainerCredentials();
            var credentials = await provider.GetCredentialsAsync();
            Assert.StartsWith("ASIA", credentials.AccessKey, StringComparison.Ordinal);
            Assert.True(credentials.UseToken);
            var me = Ok(await aws.Root.WithSession(credentials.AccessKey, credentials.SecretKey, credentials.Token).StsAsync("GetCallerIdentity"));
            Assert.StartsWith("arn:aws:sts::123456789012:assumed-role/localaws-container-role/", me.Value("Arn"), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            EnvironmentGate.Release();
        }
    }
}
