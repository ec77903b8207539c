using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using DynamicAwsCreds.Engine.Aws;
using Xunit;

namespace DynamicAwsCreds.Tests.Aws;

public class QueryClientTests
{
    [Fact]
    public async Task RequestIsAFormPostSignedOverItsBodyHashAndSessionToken()
    {
        var handler = new FakeHandler((_, _, _) => FakeWire.Ok("CreateUser", $"<User>{FakeWire.UserXml("alice", "/vault/")}</User>"));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));

        var user = await iam.CreateUserAsync("alice", "/vault/", "arn:aws:iam::123456789012:policy/boundary",
            new Dictionary<string, string> { ["team"] = "a b+c/d é☃", ["Owner"] = "ops" });

        var request = Assert.Single(handler.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/", request.Path);
        Assert.Equal("application/x-www-form-urlencoded; charset=utf-8", request.Headers["Content-Type"]);
        Assert.Equal("127.0.0.1:4599", request.Headers["Host"]);
        Assert.Equal(FakeWire.Hex(SHA256.HashData(Encoding.UTF8.GetBytes(request.Body))), request.Headers["x-amz-content-sha256"]);
        Assert.Equal(FakeWire.Root.SessionToken, request.Headers["x-amz-security-token"]);
        Assert.Contains("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,",
            request.Headers["Authorization"]);
        FakeWire.AssertSignedBy(request, FakeWire.Root, "us-east-1", "iam");

        Assert.StartsWith("Action=CreateUser&Version=2010-05-08&", request.Body);
        Assert.Contains("&Path=%2Fvault%2F&", request.Body);
        Assert.Contains("&Tags.member.1.Key=Owner&Tags.member.1.Value=ops&", request.Body);
        Assert.EndsWith("&Tags.member.2.Key=team&Tags.member.2.Value=a%20b%2Bc%2Fd%20%C3%A9%E2%98%83", request.Body);
        Assert.Equal("arn:aws:iam::123456789012:policy/boundary", request["PermissionsBoundary"]);

        Assert.Equal(new IamUser("alice", "AIDAALICE", "arn:aws:iam::123456789012:user/vault/alice", "/vault/",
            new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero)), user);
    }

    [Fact]
    public async Task WithoutSessionTokenTheTokenHeaderIsNeitherSentNorSigned()
    {
        var key = new AwsCredentials("AKIAPLAIN", "plainSecret");
        var handler = new FakeHandler((_, _, _) => FakeWire.Ok("GetUser", $"<User>{FakeWire.UserXml("me")}</User>"));
        await new IamClient(FakeWire.Client(handler, FakeWire.Options(), key)).GetUserAsync();

        var request = Assert.Single(handler.Requests);
        Assert.False(request.Headers.ContainsKey("x-amz-security-token"));
        Assert.Contains("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,", request.Headers["Authorization"]);
        Assert.Null(request["UserName"]);
        FakeWire.AssertSignedBy(request, key, "us-east-1", "iam");
    }

    [Fact]
    public async Task OnTheWireTheHostCarriesThePortAndTheSignatureHolds()
    {
        await using var server = new RawHttpServer((r, _) =>
            $"<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
            + "<Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDAALICE</UserId><Account>123456789012</Account>"
            + "</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>");
        using var http = AwsClientFactory.CreateHttpClient();
        var sts = new StsQueryClient(new QueryClient(http, FakeWire.Options(server.Endpoint, service: "sts"),
            _ => ValueTask.FromResult(FakeWire.Root)));

        var identity = await sts.GetCallerIdentityAsync();

        Assert.Equal(new CallerIdentity("123456789012", "arn:aws:iam::123456789012:user/alice", "AIDAALICE"), identity);
        var request = Assert.Single(server.Requests);
        Assert.Equal($"127.0.0.1:{server.Endpoint.Port}", request.Headers["Host"]);
        Assert.Equal("Action=GetCallerIdentity&Version=2011-06-15", request.Body);
        FakeWire.AssertSignedBy(request, FakeWire.Root, "us-east-1", "sts");
    }

    public static TheoryData<string, string, string?> ErrorLayouts => new()
    {
        { $"<ErrorResponse xmlns=\"{FakeWire.IamNs}\"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
          + "<Message>The user with name bob cannot be found.</Message></Error><RequestId>rid-1</RequestId></ErrorResponse>",
          "NoSuchEntity", "rid-1" },
        { "<ErrorResponse><Errors><Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
          + "<Message>The user with name bob cannot be found.</Message></Error></Errors><RequestId>rid-2</RequestId></ErrorResponse>",
          "NoSuchEntity", "rid-2" },
        { "<Response><Errors><Error><Code>NoSuchEntity</Code><Message>The user with name bob cannot be found.</Message>"
          + "</Error></Errors><RequestID>rid-3</RequestID></Response>",
          "NoSuchEntity", "rid-3" },
    };

    [Theory]
    [MemberData(nameof(ErrorLayouts))]
    public async Task ErrorLayoutsAllGiveCodeMessageAndStatus(string body, string code, string? requestId)
    {
        var handler = new FakeHandler((_, _, _) => Task.FromResult(FakeWire.Xml(HttpStatusCode.NotFound, body)));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => iam.GetUserAsync("bob"));

        Assert.Equal(code, error.Code);
        Assert.True(error.IsNoSuchEntity);
        Assert.True(error.IsSender);
        Assert.Equal("The user with name bob cannot be found.", error.AwsMessage);
        Assert.Equal(404, error.StatusCode);
        Assert.Equal(requestId, error.RequestId);
        Assert.Equal(("iam", "GetUser"), (error.Service, error.Action));
        Assert.Contains("NoSuchEntity", error.Message);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task ANonXmlErrorBodyIsAnUnknownErrorWithTheStatus()
    {
        var handler = new FakeHandler((_, _, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.Forbidden)
        {
            Content = new StringContent("<html><body>Access denied by proxy</body>", Encoding.UTF8, "text/html"),
        }));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => iam.DeleteUserAsync("bob"));

        Assert.Equal("Unknown", error.Code);
        Assert.Equal(403, error.StatusCode);
        Assert.Contains("HTTP 403", error.Message);
    }

    [Fact]
    public async Task RetriesThrottlingThenSucceeds()
    {
        var records = new ConcurrentQueue<AwsCallRecord>();
        var handler = new FakeHandler((_, n, _) => n == 1
            ? FakeWire.Error(HttpStatusCode.BadRequest, "Throttling", "Rate exceeded")
            : FakeWire.Ok("AttachUserPolicy", ""));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options(onCall: records.Enqueue)));

        await iam.AttachUserPolicyAsync("alice", "arn:aws:iam::aws:policy/ReadOnlyAccess");

        Assert.Equal(2, handler.Count);
        Assert.All(handler.Requests, r => FakeWire.AssertSignedBy(r, FakeWire.Root, "us-east-1", "iam"));
        Assert.Collection(records,
            r => Assert.Equal(("AttachUserPolicy", "alice", 400, "Throttling", 1), (r.Action, r.Target, r.StatusCode, r.ErrorCode, r.Attempt)),
            r => Assert.Equal(("AttachUserPolicy", "alice", 200, (string?)null, 2), (r.Action, r.Target, r.StatusCode, r.ErrorCode, r.Attempt)));
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "ServiceFailure")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable")]
    [InlineData(HttpStatusCode.Conflict, "ConcurrentModification")]
    [InlineData(HttpStatusCode.BadRequest, "RequestLimitExceeded")]
    public async Task RetriesTransientErrorsThenSucceeds(HttpStatusCode status, string code)
    {
        var handler = new FakeHandler((_, n, _) => n == 1
            ? FakeWire.Error(status, code, "try again", (int)status >= 500 ? "Receiver" : "Sender")
            : FakeWire.Ok("PutUserPolicy", ""));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));

        await iam.PutUserPolicyAsync("alice", "role", "{\"Version\":\"2012-10-17\",\"Statement\":[]}");

        Assert.Equal(2, handler.Count);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, "NoSuchEntity")]
    [InlineData(HttpStatusCode.Forbidden, "AccessDenied")]
    [InlineData(HttpStatusCode.Conflict, "EntityAlreadyExists")]
    [InlineData(HttpStatusCode.Conflict, "LimitExceeded")]
    [InlineData(HttpStatusCode.Conflict, "DeleteConflict")]
    [InlineData(HttpStatusCode.BadRequest, "ValidationError")]
    [InlineData(HttpStatusCode.Forbidden, "InvalidClientTokenId")]
    [InlineData(HttpStatusCode.Forbidden, "SignatureDoesNotMatch")]
    public async Task DoesNotRetryClientErrors(HttpStatusCode status, string code)
    {
        var handler = new FakeHandler((_, _, _) => FakeWire.Error(status, code, "no"));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => iam.DeleteUserAsync("alice"));

        Assert.Equal(code, error.Code);
        Assert.Equal((int)status, error.StatusCode);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task GivesUpAfterMaxRetries()
    {
        var handler = new FakeHandler((_, _, _) => FakeWire.Error(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "down", "Receiver"));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options(maxRetries: 2)));

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => iam.ListUsersAsync());

        Assert.Equal("ServiceUnavailable", error.Code);
        Assert.False(error.IsSender);
        Assert.Equal(3, handler.Count);
    }

    [Fact]
    public async Task MaxRetriesZeroMeansOneAttempt()
    {
        var handler = new FakeHandler((_, _, _) => FakeWire.Error(HttpStatusCode.BadRequest, "Throttling", "slow down"));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options(maxRetries: 0)));

        await Assert.ThrowsAsync<AwsServiceException>(() => iam.ListUsersAsync());
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task TransportFailuresAreRetried()
    {
        var handler = new FakeHandler((_, n, _) => n switch
        {
            1 => throw new HttpRequestException("Connection reset by peer"),
            2 => throw new IOException("The response ended prematurely."),
            _ => FakeWire.Ok("DeleteUser", ""),
        });
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));

        await iam.DeleteUserAsync("alice");

        Assert.Equal(3, handler.Count);
    }

    [Fact]
    public async Task ADroppedConnectionOnTheWireIsRetried()
    {
        await using var server = new RawHttpServer((_, n) =>
            n == 1 ? null : $"<DeleteUserResponse xmlns=\"{FakeWire.IamNs}\"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteUserResponse>");
        using var http = AwsClientFactory.CreateHttpClient();
        var iam = new IamClient(new QueryClient(http, FakeWire.Options(server.Endpoint), _ => ValueTask.FromResult(FakeWire.Root)));

        await iam.DeleteUserAsync("alice");

        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task TransportFailureAfterMaxRetriesIsAnAwsTransportException()
    {
        var handler = new FakeHandler((_, _, _) => throw new HttpRequestException("Connection refused (127.0.0.1:4599)"));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options(maxRetries: 2)));

        var error = await Assert.ThrowsAsync<AwsTransportException>(() => iam.GetUserAsync("alice"));

        Assert.Equal(("iam", "GetUser", 3), (error.Service, error.Action, error.Attempts));
        Assert.IsType<HttpRequestException>(error.InnerException);
        Assert.Equal(3, handler.Count);
    }

    [Fact]
    public async Task AnAttemptTimeoutIsRetried()
    {
        var records = new ConcurrentQueue<AwsCallRecord>();
        var handler = new FakeHandler(async (_, n, ct) =>
        {
            if (n == 1)
                await Task.Delay(Timeout.Infinite, ct);
            return await FakeWire.Ok("DeleteUser", "");
        });
        var iam = new IamClient(FakeWire.Client(handler,
            FakeWire.Options(timeout: TimeSpan.FromMilliseconds(200), onCall: records.Enqueue)));

        await iam.DeleteUserAsync("alice");

        Assert.Equal(2, handler.Count);
        Assert.Equal("Timeout", records.First().ErrorCode);
    }

    [Fact]
    public async Task TheCallersCancellationIsNotRetried()
    {
        var handler = new FakeHandler(async (_, _, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => iam.DeleteUserAsync("alice", cts.Token));

        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task EachAttemptFetchesCredentialsAndSignsAfresh()
    {
        var keys = new[] { new AwsCredentials("AKIAFIRST", "first"), new AwsCredentials("AKIASECOND", "second") };
        var fetched = 0;
        var handler = new FakeHandler((_, n, _) => n == 1
            ? FakeWire.Error(HttpStatusCode.InternalServerError, "ServiceFailure", "oops", "Receiver")
            : FakeWire.Ok("DeleteUser", ""));
        var client = new QueryClient(new HttpClient(handler), FakeWire.Options(),
            _ => ValueTask.FromResult(keys[Math.Min(Interlocked.Increment(ref fetched), 2) - 1]));

        await new IamClient(client).DeleteUserAsync("alice");

        var requests = handler.Requests.ToArray();
        FakeWire.AssertSignedBy(requests[0], keys[0], "us-east-1", "iam");
        FakeWire.AssertSignedBy(requests[1], keys[1], "us-east-1", "iam");
    }

    [Fact]
    public async Task ManyConcurrentCallsOnOneClient()
    {
        var handler = new FakeHandler(async (r, _, _) =>
        {
            await Task.Yield();
            return await FakeWire.Ok("GetUser", $"<User>{FakeWire.UserXml(r["UserName"]!)}</User>");
        });
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));

        var users = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => iam.GetUserAsync($"user{i}")));

        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"user{i}"), users.Select(u => u.UserName));
        Assert.All(handler.Requests, r => FakeWire.AssertSignedBy(r, FakeWire.Root, "us-east-1", "iam"));
    }

    [Fact]
    public async Task NoSecretReachesErrorsRecordsOrToString()
    {
        const string issuedSecret = "ISSUEDsecretKEYdoNotLeak0123456789abcdef";
        var records = new ConcurrentQueue<AwsCallRecord>();
        var keyXml = "<AccessKey><UserName>alice</UserName><AccessKeyId>AKIANEWKEY</AccessKeyId><Status>Active</Status>"
            + $"<SecretAccessKey>{issuedSecret}</SecretAccessKey><CreateDate>2024-05-06T07:08:09Z</CreateDate></AccessKey>";
        var handler = new FakeHandler((r, n, _) => n switch
        {
            1 => FakeWire.Ok("CreateAccessKey", keyXml),
            2 => FakeWire.Error(HttpStatusCode.Forbidden, "InvalidClientTokenId", "The security token included in the request is invalid."),
            // A success cut short in the middle of the secret.
            3 => Task.FromResult(FakeWire.Xml(HttpStatusCode.OK,
                $"<CreateAccessKeyResponse><CreateAccessKeyResult><AccessKey><SecretAccessKey>{issuedSecret}")),
            _ => throw new HttpRequestException("Connection reset by peer"),
        });
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options(maxRetries: 1, onCall: records.Enqueue)));

        var key = await iam.CreateAccessKeyAsync("alice");
        Assert.Equal(issuedSecret, key.SecretAccessKey);
        var errors = new List<Exception>
        {
            await Assert.ThrowsAsync<AwsServiceException>(() => iam.ListAccessKeysAsync("alice")),
            await Assert.ThrowsAsync<AwsServiceException>(() => iam.CreateAccessKeyAsync("alice")),
            await Assert.ThrowsAsync<AwsTransportException>(() => iam.CreateAccessKeyAsync("alice")),
        };

        var printed = errors.Select(e => e.ToString())
            .Concat(records.Select(r => r.ToString()))
            .Append(key.ToString())
            .Append(FakeWire.Root.ToString())
            .ToList();
        foreach (var secret in new[] { issuedSecret, FakeWire.Root.SecretAccessKey, FakeWire.Root.SessionToken! })
            Assert.DoesNotContain(printed, text => text.Contains(secret, StringComparison.Ordinal));
        Assert.Contains("AKIANEWKEY", key.ToString());
        Assert.Contains("AKIAROOTEXAMPLE", FakeWire.Root.ToString());
    }
}
