using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Store;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>An engine opened from EngineOptions uses what they carry: the store only once needed, their client factory for every AWS client, their clock.</summary>
public sealed class EngineOptionsTests : EngineTestBase
{
    protected override void Configure() => Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });

    [Fact]
    public async Task Every_AWS_client_is_built_by_the_options_factory_once_per_root_config_generation()
    {
        var factory = new RecordingFactory();
        using var engine = new CredsEngine(EngineOptions.ForSqlite(Temp.StorePath) with { AwsClients = factory, DisplayName = "tester" });

        var issued = await engine.IssueUsableCredentialAsync(null, "dev", null, new StsOptions(), TimeSpan.FromSeconds(30), null, CancellationToken.None);

        // The mount's clients, then the probe that waits for the new key, signed with that key and never retried.
        Assert.Equal(2, factory.Connections.Count);
        Assert.Equal(new Uri(Server.Endpoint.ToString()), factory.Connections[0].Iam.Url);
        var probe = factory.Connections[1];
        Assert.Equal(0, probe.MaxRetries);
        Assert.Equal(issued.AccessKeyId, (await probe.Credentials(CancellationToken.None)).AccessKeyId);

        await engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);
        Assert.Equal(2, factory.Connections.Count);

        engine.SetRootConfig(null, new RootConfigInput { MaxRetries = 1 });
        await engine.RevokeLeaseAsync((await engine.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None)).Lease.LeaseId, force: false, null, CancellationToken.None);
        Assert.Equal(3, factory.Connections.Count);
        Assert.Equal(1, factory.Connections[2].MaxRetries);
        Assert.Empty(VaultUsers);
    }

    [Fact]
    public async Task Times_from_the_options_clock_are_cut_to_milliseconds()
    {
        var clock = new FixedTime(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_123).AddTicks(4567));
        using var engine = new CredsEngine(EngineOptions.ForSqlite(Temp.StorePath) with { Time = clock, DisplayName = "tester" });

        var issued = await engine.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None);

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_123), issued.Lease.IssueTime);
        Assert.Equal(issued.Lease.IssueTime, engine.GetLease(issued.Lease.LeaseId).IssueTime);
        await engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);
    }

    [Fact]
    public void Making_an_engine_opens_no_store_and_its_first_call_opens_it_once()
    {
        using var temp = new TempStore();
        var sqlite = EngineOptions.ForSqlite(temp.StorePath);
        var opened = 0;
        using var engine = new CredsEngine(sqlite with
        {
            Store = new Lazy<ILeaseStore>(() =>
            {
                opened++;
                return sqlite.Store.Value;
            }),
        });

        Assert.Equal(temp.StorePath, engine.StorePath);
        Assert.False(File.Exists(temp.StorePath));
        Assert.Empty(engine.GetMounts());
        Assert.Empty(engine.GetMounts());
        Assert.True(File.Exists(temp.StorePath));
        Assert.Equal(1, opened);
    }

    private sealed class RecordingFactory : IAwsClientFactory
    {
        private readonly AwsClientFactory _inner = new();

        public List<AwsConnection> Connections { get; } = [];

        public AwsApis Create(AwsConnection connection)
        {
            lock (Connections)
            {
                Connections.Add(connection);
            }

            return _inner.Create(connection);
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
