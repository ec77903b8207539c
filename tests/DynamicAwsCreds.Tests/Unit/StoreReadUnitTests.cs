using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Store;
using Xunit;

namespace DynamicAwsCreds.Tests.Unit;

/// <summary>How often one engine call reads the store: over a network (the shared store) every read is a round trip.</summary>
public sealed class StoreReadUnitTests : EngineUnitTestBase
{
    [Fact]
    public async Task One_issue_reads_the_mount_its_root_config_its_lease_config_and_its_role_once_each()
    {
        var counted = NonDisposingStore.Over(Store);
        using var engine = new CredsEngine(Options("counted") with { Store = new Lazy<ILeaseStore>(counted) });
        // The first issue builds the mount's clients; the second is the one counted.
        await engine.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None);
        var calls = NonDisposingStore.Of(counted).Calls;
        calls.Clear();

        var issued = await engine.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None);

        Assert.NotNull(issued.AccessKeyId);
        Assert.Equal(1, calls.GetValueOrDefault(nameof(ILeaseStore.GetMount)));
        Assert.Equal(1, calls.GetValueOrDefault(nameof(ILeaseStore.GetRootConfig)) + calls.GetValueOrDefault(nameof(ILeaseStore.GetRootConfigGeneration)));
        Assert.Equal(1, calls.GetValueOrDefault(nameof(ILeaseStore.GetLeaseConfig)));
        Assert.Equal(1, calls.GetValueOrDefault(nameof(ILeaseStore.GetRole)));
    }

    [Fact]
    public void Within_one_operation_a_write_through_the_engine_store_is_seen_by_the_reads_after_it()
    {
        var counted = NonDisposingStore.Over(Store);
        var store = new OperationReadStore(counted);
        using var reads = OperationReads.Begin();

        Assert.Null(store.GetLeaseConfig("aws"));
        Assert.Null(store.GetLeaseConfig("aws"));
        Assert.True(store.PutLeaseConfig(new LeaseConfigRecord("aws", TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20))));

        Assert.Equal(TimeSpan.FromMinutes(10), store.GetLeaseConfig("aws")?.Lease);
        Assert.Equal(2, NonDisposingStore.Of(counted).Calls[nameof(ILeaseStore.GetLeaseConfig)]);
    }

    [Fact]
    public async Task Parallel_reads_of_one_record_within_one_operation_read_the_store_once()
    {
        var counted = NonDisposingStore.Over(Store);
        var store = new OperationReadStore(counted);
        using var reads = OperationReads.Begin();

        var configs = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => store.GetRootConfig("aws"))));

        Assert.All(configs, c => Assert.Same(configs[0], c));
        Assert.Equal(1, NonDisposingStore.Of(counted).Calls[nameof(ILeaseStore.GetRootConfig)]);
    }

    [Fact]
    public void Outside_an_operation_every_read_goes_to_the_store()
    {
        var counted = NonDisposingStore.Over(Store);
        var store = new OperationReadStore(counted);

        store.GetMount("aws");
        store.GetMount("aws");

        Assert.Equal(2, NonDisposingStore.Of(counted).Calls[nameof(ILeaseStore.GetMount)]);
    }
}
