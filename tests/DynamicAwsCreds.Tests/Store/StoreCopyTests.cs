using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Memory;
using DynamicAwsCreds.Engine.Store.Sqlite;
using DynamicAwsCreds.Engine.Stores;
using DynamicAwsCreds.Tests.Engine;
using DynamicAwsCreds.Tests.Fakes;
using Xunit;

namespace DynamicAwsCreds.Tests.Store;

/// <summary>
/// Copy-LeaseStore's engine work on store objects: a SQLite source in a temporary folder with two mounts, root and lease
/// config, three roles, a live and an expired lease, an intent and a cache entry, copied into an in-memory store and
/// into a DynamoDB table on dynalite.
/// </summary>
[Collection(DynaliteCollection.Name)]
public sealed class StoreCopyTests : IDisposable
{
    private const string Destination = "dynamodb://team-leases?region=us-east-1&endpoint=http://127.0.0.1:9";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private const string ReadOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess";

    private readonly TempStore _temp = new();
    private readonly FakeClock _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
    private readonly List<(string Secret, string Context, string KmsKeyId)> _sealed = [];
    private readonly string _sourceId;

    private readonly DynaliteServer _dynalite;

    public StoreCopyTests(DynaliteServer dynalite)
    {
        _dynalite = dynalite;
        using (var engine = new CredsEngine(EngineOptions.ForSqlite(_temp.StorePath) with { Time = _clock }))
        {
            engine.EnableMount("aws", "aws", null, null, null);
            engine.EnableMount("aws", "team/aws", "the team's", TimeSpan.FromHours(1), null);
            engine.SetRootConfig("aws", new RootConfigInput { AccessKey = "AKIAIOSFODNN7EXAMPLE", SecretKey = SecretKey, Region = "eu-west-1" });
            engine.SetRootConfig("team/aws", new RootConfigInput { Region = "us-west-2" });
            engine.SetLeaseConfig("aws", TimeSpan.FromHours(2), TimeSpan.FromHours(4));
            engine.SetRole("aws", "dev", new RoleInput { PolicyArns = [ReadOnly] });
            engine.SetRole("aws", "ops", new RoleInput { PolicyArns = [ReadOnly] });
            engine.SetRole("team/aws", "dev", new RoleInput { PolicyArns = [ReadOnly] });
            _sourceId = engine.StoreId;
        }

        using var store = SqliteLeaseStore.Open(_temp.StorePath);
        store.InsertLease(Lease("aws/creds/dev/live", LeaseState.Active, _clock.Now.AddHours(1)));
        store.InsertLease(Lease("team/aws/creds/dev/live", LeaseState.Active, _clock.Now.AddMinutes(5)));
        store.InsertLease(Lease("aws/creds/dev/expired", LeaseState.Active, _clock.Now.AddMinutes(-1)));
        store.InsertLease(Lease("aws/creds/dev/intent", LeaseState.Pending, _clock.Now.AddHours(1)) with
        {
            Owner = new LeaseOwner("host-a", 4242, _clock.Now.AddMinutes(-5)),
        });
        store.PutCachedCredential("aws/creds/dev/live", "aws", "dev", "ab12", [1, 2, 3]);
    }

    public void Dispose() => _temp.Dispose();

    private LeaseRecord Lease(string id, LeaseState state, DateTimeOffset expires) =>
        new(id, id.Split("/creds/")[0], "dev", "iam_user", state, _clock.Now.AddMinutes(-10), expires, expires.AddHours(1), null, true,
            "vault-" + id.Replace('/', '-'), "AKIA" + id.Length, null, null);

    private StoreCopySummary Copy(ILeaseStore destination, StoreCopyRequest? request = null, RecordingEvents? events = null) =>
        Copy(_ => destination, request, events);

    private StoreCopySummary Copy(Func<string, ILeaseStore> openDestination, StoreCopyRequest? request = null, RecordingEvents? events = null)
    {
        using var context = new EngineContext(EngineOptions.ForSqlite(_temp.StorePath) with { Time = _clock });
        using var scope = EngineOperation.Begin(events, null);
        return new StoreCopy(context).Copy(
            request ?? new StoreCopyRequest(Destination) { KmsKeyId = "alias/dac" },
            new SqliteStoreLocation(_temp.StorePath),
            Destination,
            openDestination,
            (secret, sealContext, kmsKeyId) =>
            {
                _sealed.Add((secret, sealContext, kmsKeyId));
                return System.Text.Encoding.UTF8.GetBytes("kms:" + kmsKeyId);
            },
            CancellationToken.None);
    }

    private static string Everything(ILeaseStore store) => string.Join("\n",
        store.ListMounts().Select(m => m.ToString())
            .Concat(store.ListMounts().Select(m => store.GetRootConfig(m.Path) is { } c
                ? c with { StsFallbackEndpoints = [], StsFallbackRegions = [], SecretKeyCiphertext = null } + Convert.ToHexString(c.SecretKeyCiphertext ?? [])
                : "-"))
            .Concat(store.ListMounts().Select(m => store.GetLeaseConfig(m.Path)?.ToString() ?? "-"))
            .Concat(store.ListMounts().SelectMany(m => store.ListRoles(m.Path)).Select(r => r.ToString()))
            .Concat(store.ListLeasesByPrefix(string.Empty, activeOnly: false).Select(l => l.ToString())));

    [Fact]
    public void Copies_mounts_config_roles_and_live_leases_under_the_source_store_id()
    {
        var destination = new InMemoryLeaseStore(_sourceId);
        var events = new RecordingEvents();

        var summary = Copy(destination, events: events);

        Assert.Equal(_temp.StorePath, summary.Source);
        Assert.Equal(Destination, summary.Destination);
        Assert.Equal(_sourceId, summary.StoreId);
        Assert.Equal(["aws", "team/aws"], summary.Mounts);
        Assert.Equal((3, 2, 1, 1, 1), (summary.Roles, summary.Leases, summary.SkippedIntents, summary.SkippedCacheEntries, summary.ExpiredLeases));
        Assert.Equal(RootKeyCopy.Resealed, summary.RootKeys);
        Assert.Equal(2 + 3 + 2, summary.Added);

        Assert.Equal(["aws", "team/aws"], destination.ListMounts().Select(m => m.Path));
        Assert.Equal("the team's", destination.GetMount("team/aws")!.Description);
        Assert.Equal(["dev", "ops"], destination.ListRoles("aws").Select(r => r.Name));
        Assert.Equal(["aws/creds/dev/live", "team/aws/creds/dev/live"], destination.ListLeasesByPrefix(string.Empty, activeOnly: false).Select(l => l.LeaseId));
        Assert.Equal(TimeSpan.FromHours(4), destination.GetLeaseConfig("aws")!.LeaseMax);
        Assert.Empty(destination.ListPendingLeases());

        var root = destination.GetRootConfig("aws")!;
        Assert.Equal(("AKIAIOSFODNN7EXAMPLE", "eu-west-1", "alias/dac"), (root.AccessKey, root.Region, root.KmsKeyId));
        Assert.Equal("kms:alias/dac", System.Text.Encoding.UTF8.GetString(root.SecretKeyCiphertext!));
        Assert.Equal([(SecretKey, "root_config:aws", "alias/dac")], _sealed);
        Assert.Null(destination.GetRootConfig("team/aws")!.SecretKeyCiphertext);

        Assert.Contains(events.Warnings, w => w.Contains("1 intent(s)") && w.Contains("1 cached credential_process entry"));
        Assert.Contains(events.Warnings, w => w.Contains("1 expired lease(s)"));
        Assert.DoesNotContain(events.Warnings, line => line.Contains(SecretKey));
    }

    [Fact]
    public void Copying_again_into_the_same_store_adds_what_is_missing_and_changes_nothing_else()
    {
        var destination = new InMemoryLeaseStore(_sourceId);
        Copy(destination);
        destination.DeleteLease("aws/creds/dev/live");
        destination.DeleteRole("aws", "ops");
        destination.UpdateRole("aws", "dev", r => r! with { DefinitionJson = "{\"changed\":true}" });
        destination.PutLeaseConfig(new LeaseConfigRecord("aws", TimeSpan.FromHours(1), TimeSpan.FromHours(1)));
        var generation = destination.GetRootConfigGeneration("aws");

        var again = Copy(destination);

        Assert.Equal(2, again.Added);
        Assert.Equal(["dev", "ops"], destination.ListRoles("aws").Select(r => r.Name));
        Assert.Equal("{\"changed\":true}", destination.GetRole("aws", "dev")!.DefinitionJson);
        Assert.Equal(TimeSpan.FromHours(1), destination.GetLeaseConfig("aws")!.LeaseMax);
        Assert.Equal(generation, destination.GetRootConfigGeneration("aws"));
        Assert.NotNull(destination.GetLease("aws/creds/dev/live"));

        var before = Everything(destination);
        Assert.Equal(0, Copy(destination).Added);
        Assert.Equal(before, Everything(destination));
    }

    [Fact]
    public void A_destination_holding_another_store_is_StoreIdMismatch_and_nothing_is_written()
    {
        var destination = new InMemoryLeaseStore();

        var ex = Assert.Throws<EngineException>(() => Copy(destination));

        Assert.Equal("StoreIdMismatch", ex.Reason);
        Assert.Equal(Destination, ex.Target);
        Assert.Contains(destination.StoreId, ex.Message);
        Assert.Empty(destination.ListMounts());
        Assert.Empty(destination.ListLeasesByPrefix(string.Empty, activeOnly: false));
    }

    [Fact]
    public void Root_keys_without_a_KMS_key_are_KmsKeyRequired_before_the_destination_is_opened()
    {
        var opened = false;
        using var context = new EngineContext(EngineOptions.ForSqlite(_temp.StorePath) with { Time = _clock });

        var ex = Assert.Throws<EngineException>(() => new StoreCopy(context).Copy(
            new StoreCopyRequest(Destination), new SqliteStoreLocation(_temp.StorePath), Destination,
            _ =>
            {
                opened = true;
                return new InMemoryLeaseStore(_sourceId);
            },
            (_, _, _) => throw new InvalidOperationException("no seal expected"),
            CancellationToken.None));

        Assert.Equal(("KmsKeyRequired", ErrorKind.InvalidOperation, (object?)"aws"), (ex.Reason, ex.Kind, ex.Target));
        Assert.Contains("-KmsKeyId", ex.Message);
        Assert.Contains("-UseDefaultCredentialChain", ex.Message);
        Assert.False(opened);
    }

    [Fact]
    public void With_the_default_chain_root_configs_are_copied_without_their_keys()
    {
        var destination = new InMemoryLeaseStore(_sourceId);

        var summary = Copy(destination, new StoreCopyRequest(Destination) { UseDefaultCredentialChain = true });

        Assert.Equal(RootKeyCopy.DefaultChain, summary.RootKeys);
        Assert.Empty(_sealed);
        var root = destination.GetRootConfig("aws")!;
        Assert.Equal((null, null, "eu-west-1"), (root.AccessKey, root.SecretKeyCiphertext, root.Region));
    }

    [Fact]
    public void WhatIf_counts_what_would_be_copied_and_writes_nothing_not_even_the_table()
    {
        using var context = new EngineContext(EngineOptions.ForSqlite(_temp.StorePath) with { Time = _clock });

        // The DynamoDB store is never opened: were it, this would fail (nothing answers at that endpoint).
        var plan = new StoreCopy(context).Plan(new StoreCopyRequest(Destination) { Source = _temp.StorePath, KmsKeyId = "alias/dac" });

        Assert.Equal((3, 2, 1, RootKeyCopy.Resealed), (plan.Roles, plan.Leases, plan.SkippedIntents, plan.RootKeys));
        Assert.Equal(["aws", "team/aws"], plan.Mounts);
        Assert.Equal(0, plan.Added);
        using var store = SqliteLeaseStore.Open(_temp.StorePath);
        Assert.Equal(4, store.ListLeasesByPrefix(string.Empty, activeOnly: false).Count);
    }

    [Theory]
    [InlineData("-Destination", "store.db", null)]
    [InlineData("-Destination", "dynamodb://t?region=us-east-1", null)]
    [InlineData("-Source", Destination, "dynamodb://other?region=us-east-1")]
    public void Locations_of_the_wrong_kind_are_InvalidStoreLocation_naming_the_parameter(string parameter, string destination, string? source)
    {
        using var context = new EngineContext(EngineOptions.ForSqlite(_temp.StorePath) with { Time = _clock });

        var ex = Assert.Throws<EngineException>(() => new StoreCopy(context).Plan(new StoreCopyRequest(destination) { Source = source }));

        Assert.Equal("InvalidStoreLocation", ex.Reason);
        Assert.StartsWith(parameter + " ", ex.Message);
    }

    [Fact]
    public void A_missing_source_is_StoreNotFound_and_no_store_is_made()
    {
        var missing = Path.Combine(_temp.Folder, "none.db");
        using var context = new EngineContext(EngineOptions.ForSqlite(_temp.StorePath) with { Time = _clock });

        var ex = Assert.Throws<EngineException>(() => new StoreCopy(context).Plan(new StoreCopyRequest(Destination) { Source = missing }));

        Assert.Equal(("StoreNotFound", (object?)missing), (ex.Reason, ex.Target));
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public void Into_a_new_DynamoDB_table_the_copy_keeps_the_store_id_and_copying_again_adds_nothing()
    {
        var table = _dynalite.NewLocation();

        var summary = Copy(storeId => _dynalite.Open(table, storeId));

        Assert.Equal(7, summary.Added);
        using (var copied = _dynalite.Open(table))
        {
            Assert.Equal(_sourceId, copied.StoreId);
            Assert.Equal(["aws", "team/aws"], copied.ListMounts().Select(m => m.Path));
            Assert.Equal(["dev", "ops"], copied.ListRoles("aws").Select(r => r.Name));
            Assert.Equal(["aws/creds/dev/live", "team/aws/creds/dev/live"], copied.ListLeasesByPrefix(string.Empty, activeOnly: false).Select(l => l.LeaseId));
            Assert.Equal("alias/dac", copied.GetRootConfig("aws")!.KmsKeyId);
            Assert.Equal(TimeSpan.FromHours(4), copied.GetLeaseConfig("aws")!.LeaseMax);
        }

        string before;
        using (var copied = _dynalite.Open(table))
        {
            before = Everything(copied);
        }

        Assert.Equal(0, Copy(storeId => _dynalite.Open(table, storeId)).Added);
        using var again = _dynalite.Open(table);
        Assert.Equal(before, Everything(again));
    }

    [Fact]
    public void A_DynamoDB_table_of_another_store_is_StoreIdMismatch_and_gets_nothing()
    {
        var table = _dynalite.NewLocation();
        _dynalite.Open(table).Dispose();

        var ex = Assert.Throws<EngineException>(() => Copy(storeId => _dynalite.Open(table, storeId)));

        Assert.Equal("StoreIdMismatch", ex.Reason);
        using var other = _dynalite.Open(table);
        Assert.NotEqual(_sourceId, other.StoreId);
        Assert.Empty(other.ListMounts());
        Assert.Empty(other.ListLeasesByPrefix(string.Empty, activeOnly: false));
    }
}
