using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Sqlite;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>
/// Set-AwsRootConfig's endpoint rules and STS settings, the partition a mount's region puts it in, STS fallbacks,
/// and a root config changed by another engine on the same store (another process) being used at the next call.
/// </summary>
public sealed class EngineEndpointTests : EngineTestBase
{
    private Task<DynamicAwsCreds.Engine.Issue.IssuedCredential> Issue(string role, IOperationEvents? events = null) =>
        Engine.IssueCredentialAsync(null, role, null, new DynamicAwsCreds.Engine.Issue.StsOptions(), events, CancellationToken.None);

    private void FederationRole() => Engine.SetRole(null, "fed", new RoleInput { CredentialType = "federation_token", PolicyArns = [ReadOnly] });

    [Theory]
    [InlineData("http://iam.example.com/")]
    [InlineData("http://iam.amazonaws.com/")]
    [InlineData("http://192.168.1.20:4599/")]
    public void Plain_http_to_another_machine_is_refused_and_changes_nothing(string url)
    {
        var before = Engine.GetRootConfig(null);
        var ex = Assert.Throws<EngineException>(() => Engine.SetRootConfig(null, new RootConfigInput { IamEndpoint = url, AllowCustomEndpoint = true }));
        Assert.Equal("InsecureEndpoint", ex.Reason);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(url, ex.Target);
        Assert.Equal(before.IamEndpoint, Engine.GetRootConfig(null).IamEndpoint);

        ex = Assert.Throws<EngineException>(() => Engine.SetRootConfig(null, new RootConfigInput
        {
            StsFallbackEndpoints = ["https://sts.us-west-2.amazonaws.com", url], StsFallbackRegions = ["us-west-2", "us-east-2"],
        }));
        Assert.Equal("InsecureEndpoint", ex.Reason);
        Assert.Empty(Engine.GetRootConfig(null).StsFallbackEndpoints);
    }

    [Fact]
    public void A_host_outside_awss_domains_needs_AllowCustomEndpoint_each_time_it_is_given()
    {
        var ex = Assert.Throws<EngineException>(() => Engine.SetRootConfig(null, new RootConfigInput { IamEndpoint = "https://iam.corp.example" }));
        Assert.Equal("InsecureEndpoint", ex.Reason);
        Assert.Equal("https://iam.corp.example/", ex.Target);
        Assert.Contains("iam.corp.example", ex.Message);
        Assert.Equal(Server.Endpoint.ToString(), Engine.GetRootConfig(null).IamEndpoint);

        var set = Engine.SetRootConfig(null, new RootConfigInput { IamEndpoint = "https://iam.corp.example", AllowCustomEndpoint = true });
        Assert.Equal(EndpointHost.Custom, set.Endpoints.Iam.Host);
        Assert.Null(set.EndpointProblem);

        // Stored with consent, it stays usable through other changes…
        Engine.SetRootConfig(null, new RootConfigInput { MaxRetries = 1 });
        Assert.Equal("https://iam.corp.example/", Engine.GetRootConfig(null).IamEndpoint);

        // …but another custom host is a new decision.
        ex = Assert.Throws<EngineException>(() => Engine.SetRootConfig(null, new RootConfigInput { StsEndpoint = "https://sts.corp.example" }));
        Assert.Equal("InsecureEndpoint", ex.Reason);

        // AWS's own hosts and loopback need no switch.
        Engine.SetRootConfig(null, new RootConfigInput { IamEndpoint = "https://iam.global.api.aws", StsEndpoint = "http://localhost:4599" });
    }

    [Fact]
    public void Fallback_endpoints_and_regions_are_equal_length_lists_and_take_vaults_comma_form()
    {
        var ex = Assert.Throws<EngineException>(() => Engine.SetRootConfig(null, new RootConfigInput
        {
            StsFallbackEndpoints = ["https://sts.us-west-2.amazonaws.com"], StsFallbackRegions = ["us-west-2", "us-east-2"],
        }));
        Assert.Equal("InvalidStsFallback", ex.Reason);
        Assert.Empty(Engine.GetRootConfig(null).StsFallbackRegions);

        var set = Engine.SetRootConfig(null, new RootConfigInput
        {
            StsFallbackEndpoints = ["https://sts.us-west-2.amazonaws.com,https://sts.us-east-2.amazonaws.com"], StsFallbackRegions = ["us-west-2, us-east-2"],
        });
        Assert.Equal(["https://sts.us-west-2.amazonaws.com/", "https://sts.us-east-2.amazonaws.com/"], set.StsFallbackEndpoints);
        Assert.Equal(["us-west-2", "us-east-2"], set.StsFallbackRegions);
        Assert.Equal(3, set.Endpoints.Sts.Count);

        // Changing only one list would break the pairs.
        Assert.Equal("InvalidStsFallback", Assert.Throws<EngineException>(() => Engine.SetRootConfig(null, new RootConfigInput { StsFallbackRegions = ["us-west-2"] })).Reason);

        var cleared = Engine.SetRootConfig(null, new RootConfigInput { StsFallbackEndpoints = [""], StsFallbackRegions = [] });
        Assert.Empty(cleared.StsFallbackEndpoints);
        Assert.Single(cleared.Endpoints.Sts);
    }

    [Theory]
    [InlineData("cn-north-1", "us-east-1", null)]
    [InlineData("us-east-1", null, "cn-north-1")]
    [InlineData("us-gov-west-1", "us-east-1", null)]
    public void Sts_regions_must_be_in_the_mounts_partition(string region, string? stsRegion, string? fallbackRegion)
    {
        var ex = Assert.Throws<EngineException>(() => Engine.SetRootConfig(null, new RootConfigInput
        {
            Region = region,
            StsRegion = stsRegion,
            StsFallbackEndpoints = fallbackRegion is null ? null : ["https://sts.example.amazonaws.com.cn"],
            StsFallbackRegions = fallbackRegion is null ? null : [fallbackRegion],
        }));
        Assert.Equal("PartitionMismatch", ex.Reason);
        Assert.Equal(stsRegion ?? fallbackRegion, ex.Target);
        Assert.Null(Engine.GetRootConfig(null).StsRegion);
    }

    [Fact]
    public async Task Endpoints_stored_by_an_older_version_are_not_used_until_confirmed()
    {
        Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });
        using (var store = SqliteLeaseStore.Open(Temp.StorePath))
        {
            store.PutRootConfig(store.GetRootConfig("aws")! with { StsEndpoint = "https://sts.corp.example/", EndpointsVetted = false });
        }

        var ex = await Assert.ThrowsAsync<EngineException>(() => Issue("dev"));
        Assert.Equal("InsecureEndpoint", ex.Reason);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Contains("-AllowCustomEndpoint", ex.Message);
        Assert.Contains("sts.corp.example", Engine.GetRootConfig(null).EndpointProblem);
        Assert.Equal(0, Server.State.CountRequests("CreateUser"));

        // Loopback endpoints from then keep working: the stored IAM endpoint here is LocalAws's.
        Engine.SetRootConfig(null, new RootConfigInput { StsEndpoint = "https://sts.corp.example/", AllowCustomEndpoint = true });
        Assert.Null(Engine.GetRootConfig(null).EndpointProblem);
        await Issue("dev");

        using (var store = SqliteLeaseStore.Open(Temp.StorePath))
        {
            store.PutRootConfig(store.GetRootConfig("aws")! with { IamEndpoint = "http://10.1.2.3:4599/", EndpointsVetted = true });
        }

        ex = await Assert.ThrowsAsync<EngineException>(() => Issue("dev"));
        Assert.Equal("InsecureEndpoint", ex.Reason);
        Assert.Equal("http://10.1.2.3:4599/", ex.Target);
    }

    [Theory]
    [InlineData("eu-west-1", "us-east-1")]
    [InlineData("us-gov-east-1", "us-gov-west-1")]
    [InlineData("cn-northwest-1", "cn-north-1")]
    public async Task Iam_is_signed_for_the_partitions_iam_region(string region, string iamRegion)
    {
        using var recorder = new RecordingEndpoint();
        Engine.SetRootConfig(null, new RootConfigInput { Region = region, IamEndpoint = recorder.Url.ToString() });

        await Assert.ThrowsAsync<EngineException>(() => Engine.FindOrphanUsersAsync(null, null, CancellationToken.None));

        Assert.Contains($"/{iamRegion}/iam/aws4_request", Assert.Single(recorder.Authorizations));
        var config = Engine.GetRootConfig(null);
        Assert.Equal(Partition.ForRegion(region), config.Endpoints.Partition);
        Assert.Equal(iamRegion, config.Endpoints.Iam.SigningRegion);
    }

    [Fact]
    public async Task Sts_goes_to_the_fallback_when_the_endpoint_is_unreachable()
    {
        FederationRole();
        Engine.SetRootConfig(null, new RootConfigInput
        {
            StsEndpoint = UnreachableUrl(), StsFallbackEndpoints = [Server.Endpoint.ToString()], StsFallbackRegions = ["us-west-2"],
        });
        var events = new VerboseLines();

        var issued = await Issue("fed", events);

        Assert.StartsWith("ASIA", issued.AccessKeyId);
        Assert.Equal(1, Server.State.CountRequests("GetFederationToken"));
        Assert.Contains(events.Lines, l => l.Contains("trying the fallback " + Server.Endpoint, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fallbacks_are_tried_in_order_each_signed_for_its_own_region()
    {
        FederationRole();
        using var recorder = new RecordingEndpoint();
        Engine.SetRootConfig(null, new RootConfigInput
        {
            Region = "eu-west-1",
            StsEndpoint = UnreachableUrl(),
            StsFallbackEndpoints = [UnreachableUrl(), recorder.Url.ToString(), Server.Endpoint.ToString()],
            StsFallbackRegions = ["eu-west-2", "eu-central-1", "eu-north-1"],
        });

        // The recorder answers AccessDenied: an answer, so the last fallback is never asked.
        var ex = await Assert.ThrowsAsync<EngineException>(() => Issue("fed"));
        Assert.Equal("AwsAccessDenied", ex.Reason);
        Assert.Contains("/eu-central-1/sts/aws4_request", Assert.Single(recorder.Authorizations));
        Assert.Equal(0, Server.State.CountRequests("GetFederationToken"));
    }

    [Fact]
    public async Task An_aws_error_answer_does_not_fall_back()
    {
        FederationRole();
        await using var failing = await LocalAwsServer.StartAsync(new LocalAwsOptions { Fail = { new FaultRule("GetFederationToken") } });
        Engine.SetRootConfig(null, new RootConfigInput
        {
            StsEndpoint = failing.Endpoint.ToString(), StsFallbackEndpoints = [Server.Endpoint.ToString()], StsFallbackRegions = ["us-west-2"],
        });

        Assert.Equal("AwsUnavailable", (await Assert.ThrowsAsync<EngineException>(() => Issue("fed"))).Reason);
        Assert.Equal(1, failing.State.CountRequests("GetFederationToken"));
        Assert.Equal(0, Server.State.CountRequests("GetFederationToken"));
    }

    [Fact]
    public async Task Role_arns_are_checked_against_the_mounts_partition_when_set_and_when_issued()
    {
        Engine.SetRootConfig(null, new RootConfigInput { Region = "cn-north-1" });
        var ex = Assert.Throws<EngineException>(() => Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] }));
        Assert.Equal("PartitionMismatch", ex.Reason);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Empty(Engine.GetRoles(null));
        Engine.SetRole(null, "dev", new RoleInput { PolicyArns = ["arn:aws-cn:iam::aws:policy/ReadOnlyAccess"] });

        // The region moves to another partition after the role was set: the issue is refused before AWS is called.
        Engine.SetRootConfig(null, new RootConfigInput { Region = "us-gov-west-1" });
        ex = await Assert.ThrowsAsync<EngineException>(() => Issue("dev"));
        Assert.Equal("PartitionMismatch", ex.Reason);
        Assert.Equal(ErrorKind.InvalidOperation, ex.Kind);
        Assert.Equal("arn:aws-cn:iam::aws:policy/ReadOnlyAccess", ex.Target);
        Assert.Empty(Server.State.Requests);
        Assert.Empty(Engine.ListLeases(null));
    }

    [Fact]
    public async Task A_root_key_rotated_by_another_process_is_used_by_the_next_call()
    {
        Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });
        await Issue("dev");

        using (var other = new CredsEngine(Temp.StorePath, displayName: "other"))
        {
            var rotated = await other.RotateRootAsync(null, null, CancellationToken.None);
            Assert.Null(Server.State.FindAccessKey(Server.Options.RootAccessKeyId));

            await Issue("dev");
            Assert.Equal(rotated.AccessKey, Server.State.Requests.Last(r => r.Action == "CreateUser").AccessKeyId);
        }
    }

    [Fact]
    public async Task An_endpoint_changed_by_another_process_is_used_by_the_next_call()
    {
        Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });
        await Issue("dev");
        await using var second = await LocalAwsServer.StartAsync(new LocalAwsOptions());

        using (var other = new CredsEngine(Temp.StorePath, displayName: "other"))
        {
            other.SetRootConfig(null, new RootConfigInput { IamEndpoint = second.Endpoint.ToString() });
        }

        var issued = await Issue("dev");
        Assert.NotNull(second.State.GetUser(issued.Lease.UserName!));
        Assert.Null(Server.State.GetUser(issued.Lease.UserName!));
        Assert.Equal(second.Endpoint.ToString(), Engine.GetRootConfig(null).Endpoints.Iam.Url.ToString());
    }

    /// <summary>A loopback URL where nothing listens: connections are refused at once.</summary>
    private static string UnreachableUrl()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return $"http://127.0.0.1:{port}/";
    }

    private sealed class VerboseLines : IOperationEvents
    {
        public ConcurrentQueue<string> Lines { get; } = new();
        public void Verbose(string message) => Lines.Enqueue(message);
        public void Warning(string message) { }
        public void Progress(int completed, int total, string status) { }
    }

    /// <summary>A loopback HTTP endpoint that records each request's Authorization header and answers AccessDenied.</summary>
    private sealed class RecordingEndpoint : IDisposable
    {
        private readonly HttpListener _listener = new();

        public RecordingEndpoint()
        {
            Url = new Uri(UnreachableUrl());
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public Uri Url { get; }

        public ConcurrentQueue<string> Authorizations { get; } = new();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                Authorizations.Enqueue(context.Request.Headers["Authorization"] ?? string.Empty);
                var body = Encoding.UTF8.GetBytes("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>recorded</Message></Error><RequestId>rec</RequestId></ErrorResponse>");
                context.Response.StatusCode = 403;
                context.Response.ContentType = "text/xml";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
