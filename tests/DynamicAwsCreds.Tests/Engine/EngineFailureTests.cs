using System.Net;
using System.Net.Sockets;
using System.Text;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>Every failure a user can meet is an EngineException with a reason: broken answers, proxies, a damaged store.</summary>
public sealed class EngineFailureTests : EngineTestBase
{
    protected override void Configure() => Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });

    private Task<IssuedCredential> Issue() => Engine.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None);

    [Fact]
    public async Task In_a_prefix_revoke_one_malformed_answer_fails_that_lease_only()
    {
        var leases = new List<IssuedCredential>();
        for (var i = 0; i < 5; i++)
        {
            leases.Add(await Issue());
        }

        Server.Options.AddGarbage(new FaultRule("ListAttachedUserPolicies", 3));
        var summary = await Engine.RevokeLeasesAsync(Engine.ResolveRevokePrefix("aws/creds/dev"), 2, force: false, null, CancellationToken.None);

        Assert.Equal(4, summary.Revoked);
        Assert.Equal(1, summary.Failed);
        var failed = Assert.Single(summary.Outcomes, o => o.Status == RevokeStatus.Failed);
        Assert.Equal("RevokeFailed", failed.Error!.Reason);
        Assert.Equal("AwsInvalidResponse", Assert.IsType<EngineException>(failed.Error.InnerException).Reason);
        Assert.Equal(failed.LeaseId, Assert.Single(Engine.ListLeases(null)).LeaseId);

        Server.Options.ClearFaults();
        Assert.Equal(1, (await Engine.RevokeLeasesAsync(Engine.ResolveRevokePrefix("aws/creds/dev"), 2, force: false, null, CancellationToken.None)).Revoked);
        Assert.Empty(VaultUsers);
    }

    [Theory]
    [InlineData("CreateAccessKey")]
    [InlineData("CreateUser")]
    public async Task A_malformed_answer_while_issuing_is_AwsInvalidResponse_and_leaves_no_user(string action)
    {
        Server.Options.AddGarbage(new FaultRule(action, 1));
        var ex = await Assert.ThrowsAsync<EngineException>(Issue);
        Assert.Equal("AwsInvalidResponse", ex.Reason);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Empty(Engine.ListLeases(null));
        if (action == "CreateAccessKey")
        {
            // CreateUser answered, so the user was provably this issue's: rolled back.
            Assert.Empty(VaultUsers);
        }
    }

    [Theory]
    [InlineData(502, "AwsUnavailable", ErrorKind.ResourceUnavailable)]
    [InlineData(403, "AwsInvalidResponse", ErrorKind.InvalidData)]
    [InlineData(200, "AwsInvalidResponse", ErrorKind.InvalidData)]
    public async Task A_proxys_html_page_is_a_clear_error(int status, string reason, ErrorKind kind)
    {
        using var proxy = HtmlProxy.Start(status);
        Engine.SetRootConfig(null, new RootConfigInput { IamEndpoint = proxy.Endpoint });

        var ex = await Assert.ThrowsAsync<EngineException>(Issue);
        Assert.Equal(reason, ex.Reason);
        Assert.Equal(kind, ex.Kind);
        Assert.DoesNotContain("could not reach", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Engine.ListLeases(null));
    }

    [Fact]
    public async Task Nothing_listening_is_AwsUnreachable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        Engine.SetRootConfig(null, new RootConfigInput { IamEndpoint = $"http://127.0.0.1:{port}/" });

        var ex = await Assert.ThrowsAsync<EngineException>(Issue);
        Assert.Equal("AwsUnreachable", ex.Reason);
        Assert.Equal(ErrorKind.ConnectionError, ex.Kind);
    }

    [Fact]
    public void A_store_damaged_after_it_was_opened_is_StoreCorrupt()
    {
        Assert.NotEmpty(Engine.GetMounts());
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.WriteAllBytes(Temp.StorePath, Encoding.ASCII.GetBytes(new string('x', 8192)));
        foreach (var f in Directory.GetFiles(Temp.Folder, "store.db-*"))
        {
            File.Delete(f);
        }

        var ex = Assert.Throws<EngineException>(() => Engine.GetMounts());
        Assert.Equal("StoreCorrupt", ex.Reason);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Equal(Temp.StorePath, ex.Target);
    }

    /// <summary>A loopback HTTP server that answers every request with an HTML page, as a proxy in the way would.</summary>
    private sealed class HtmlProxy : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();

        private HtmlProxy(TcpListener listener) => _listener = listener;

        public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

        public static HtmlProxy Start(int status)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var proxy = new HtmlProxy(listener);
            _ = Task.Run(() => proxy.ServeAsync(status));
            return proxy;
        }

        private async Task ServeAsync(int status)
        {
            var page = Encoding.UTF8.GetBytes("<html><body><h1>Bad Gateway</h1><p>The proxy could not reach the server.</p></body></html>");
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                using var stream = client.GetStream();
                var buffer = new byte[65536];
                var read = 0;
                var headerEnd = -1;
                var length = 0;
                while (headerEnd < 0 || read < headerEnd + length)
                {
                    var n = await stream.ReadAsync(buffer.AsMemory(read), _stop.Token);
                    if (n == 0)
                    {
                        break;
                    }

                    read += n;
                    if (headerEnd < 0)
                    {
                        var text = Encoding.ASCII.GetString(buffer, 0, read);
                        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                        if (end >= 0)
                        {
                            headerEnd = end + 4;
                            var line = text[..end].Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                            length = line is null ? 0 : int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                        }
                    }
                }

                var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} Whatever\r\nContent-Type: text/html\r\nContent-Length: {page.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(head, _stop.Token);
                await stream.WriteAsync(page, _stop.Token);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
