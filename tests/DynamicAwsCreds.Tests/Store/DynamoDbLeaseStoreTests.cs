using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.DynamoDb;
using Xunit;

namespace DynamicAwsCreds.Tests.Store;

/// <summary>What only the DynamoDB store has: its table, hosts sharing one table, paging, its errors.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class DynamoDbLeaseStoreTests(DynaliteServer dynalite)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000);

    private static MountRecord Mount(string path) => new(path, "aws", null, null, null, Now);

    private static LeaseRecord Lease(string id, LeaseState state = LeaseState.Active, LeaseOwner? owner = null) =>
        new(id, id[..id.IndexOf('/')], "dev", "iam_user", state, Now, Now.AddHours(1), Now.AddHours(768), null, true, "vault-" + id[^4..], null, null, owner);

    private static string Id(string nonce) => "aws/creds/dev/" + nonce.PadLeft(24, 'A');

    // ---- the table ------------------------------------------------------------------------------

    [Fact]
    public async Task The_table_is_created_on_first_use_with_string_keys_on_demand_and_waited_for()
    {
        var location = dynalite.NewLocation();
        using var client = dynalite.Client();
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => client.DescribeTableAsync(location.Table));

        using var store = dynalite.Open(location);
        var table = (await client.DescribeTableAsync(location.Table)).Table;
        Assert.Equal(TableStatus.ACTIVE, table.TableStatus);
        Assert.Equal([("pk", "HASH"), ("sk", "RANGE")], table.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)));
        Assert.All(table.AttributeDefinitions, a => Assert.Equal("S", a.AttributeType.Value));
        Assert.Equal(BillingMode.PAY_PER_REQUEST, table.BillingModeSummary?.BillingMode ?? BillingMode.PAY_PER_REQUEST);
        Assert.Null(store.AddMount(Mount("aws")));
        Assert.Equal(location.Display, store.Location);

        using var again = dynalite.Open(location);
        Assert.Equal(store.StoreId, again.StoreId);
        Assert.Equal("aws", Assert.Single(again.ListMounts()).Path);
    }

    [Fact]
    public void Stores_opened_at_once_on_a_fresh_table_agree_on_one_store_id()
    {
        var location = dynalite.NewLocation();
        var offered = Enumerable.Range(0, 4).Select(_ => StoreIds.New()).ToArray();
        var stores = Together.Run(4, i => dynalite.Open(location, offered[i]));
        try
        {
            var id = Assert.Single(stores.Select(s => s.StoreId).Distinct());
            Assert.Contains(id, offered);
        }
        finally
        {
            Array.ForEach(stores, s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_table_with_other_keys_is_refused_and_left_untouched()
    {
        var location = dynalite.NewLocation();
        using var client = dynalite.Client();
        await client.CreateTableAsync(new CreateTableRequest
        {
            TableName = location.Table,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("id", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("id", KeyType.HASH)],
        });

        var ex = Assert.Throws<EngineException>(() => dynalite.Open(location));
        Assert.Equal(("StoreShapeMismatch", ErrorKind.InvalidData), (ex.Reason, ex.Kind));
        Assert.Contains(location.Table, ex.Message);
        Assert.Equal(0, (await client.ScanAsync(new ScanRequest { TableName = location.Table })).Count);
        Assert.Equal("id", Assert.Single((await client.DescribeTableAsync(location.Table)).Table.KeySchema).AttributeName);
    }

    [Fact]
    public async Task A_table_of_the_right_keys_holding_something_else_is_refused_and_left_untouched()
    {
        var location = dynalite.NewLocation();
        dynalite.Open(location).Dispose();
        using var client = dynalite.Client();
        foreach (var key in new[] { "store", "mounts" })
        {
            await client.DeleteItemAsync(location.Table, StoreKey(key));
        }

        await client.PutItemAsync(location.Table, new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "order#1" }, ["sk"] = new() { S = "x" } });

        var ex = Assert.Throws<EngineException>(() => dynalite.Open(location));
        Assert.Equal("StoreShapeMismatch", ex.Reason);
        var items = (await client.ScanAsync(new ScanRequest { TableName = location.Table })).Items;
        Assert.Equal("order#1", Assert.Single(items)["pk"].S);
    }

    [Fact]
    public async Task A_store_of_a_newer_format_is_refused_and_left_untouched()
    {
        var location = dynalite.NewLocation();
        dynalite.Open(location).Dispose();
        using var client = dynalite.Client();
        await client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = location.Table,
            Key = StoreKey("store"),
            UpdateExpression = "SET formatVersion = :v",
            ExpressionAttributeValues = new() { [":v"] = new() { N = "2" } },
        });

        var ex = Assert.Throws<EngineException>(() => dynalite.Open(location));
        Assert.Equal(("StoreVersionTooNew", ErrorKind.InvalidData), (ex.Reason, ex.Kind));
        Assert.Contains(location.Table, ex.Message);
        Assert.Equal("2", (await client.GetItemAsync(location.Table, StoreKey("store"), true)).Item["formatVersion"].N);
    }

    [Fact]
    public void An_unreachable_endpoint_is_StoreUnavailable_naming_the_table()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var location = new DynamoDbStoreLocation("team-leases", DynaliteServer.Region, new Uri($"http://127.0.0.1:{port}"));

        var ex = Assert.Throws<EngineException>(() => DynamoDbLeaseStore.Open(location, null, DynaliteServer.Credentials));
        Assert.Equal(("StoreUnavailable", ErrorKind.ConnectionError), (ex.Reason, ex.Kind));
        Assert.Contains("'team-leases'", ex.Message);
        Assert.Equal(location.Display, ex.Target);
    }

    [Theory]
    [InlineData("AccessDeniedException")]
    [InlineData("UnrecognizedClientException")]
    public void No_permission_is_StoreUnavailable_naming_table_region_code_and_the_readme(string code)
    {
        var location = new DynamoDbStoreLocation("team-leases", "eu-west-1");
        var denied = new AmazonDynamoDBException("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: dynamodb:CreateTable") { ErrorCode = code };

        var ex = StoreErrors.Translate(denied, location)!;
        Assert.Equal(("StoreUnavailable", ErrorKind.PermissionDenied, code), (ex.Reason, ex.Kind, ex.AwsCode));
        Assert.Contains("'team-leases' in eu-west-1", ex.Message);
        Assert.Contains(code, ex.Message);
        Assert.Contains("For teams", ex.Message);
        Assert.Contains("create-table", ex.Message);
        Assert.Null(StoreErrors.Translate(new ConditionalCheckFailedException("no"), location));
    }

    // ---- paging -----------------------------------------------------------------------------------

    [Fact]
    public void Lists_follow_every_page_in_code_point_order()
    {
        using var store = dynalite.Open(pageSize: 2);
        Assert.Null(store.AddMount(Mount("aws")));
        var nonces = new[] { "z", "a", "B", "\u00e9", "m", "0", "\U0001F600", "\uFF21" };
        foreach (var nonce in nonces)
        {
            Assert.True(store.InsertLeaseUnderEnabledMount(Lease(Id(nonce))));
            Assert.NotNull(store.UpdateRole("aws", "r" + nonce, _ => new RoleRecord("aws", "r" + nonce, "{}", Now)));
        }

        var ids = nonces.Select(Id).Order(CodePointOrder.Instance).ToList();
        Assert.Equal(ids, store.ListLeasesByPrefix("aws/").Select(l => l.LeaseId));
        Assert.Equal(ids, store.ListExpiredLeases(Now.AddDays(1)).Select(l => l.LeaseId));
        Assert.Equal(nonces.Length, store.CountLeases("aws"));
        Assert.Equal(nonces.Length, store.ListLeaseUserNames().Count);
        Assert.Equal(nonces.Select(n => "r" + n).Order(CodePointOrder.Instance), store.ListRoles("aws").Select(r => r.Name));
    }

    // ---- claims across hosts ---------------------------------------------------------------------------

    [Fact]
    public void A_claim_compares_every_owner_field_the_deadline_included()
    {
        using var store = dynalite.Open();
        Assert.Null(store.AddMount(Mount("aws")));
        var intentOwner = new LeaseOwner("host-a", 42, Now.AddMinutes(-5)) { Deadline = Now.AddMinutes(2) };
        Assert.True(store.InsertLeaseUnderEnabledMount(Lease(Id("I"), LeaseState.Pending, intentOwner)));
        var b = new LeaseOwner("host-b", 7, Now) { Deadline = Now.AddMinutes(4) };

        Assert.False(store.ClaimLease(Id("I"), null, b));
        Assert.False(store.ClaimLease(Id("I"), intentOwner with { Deadline = Now.AddMinutes(3) }, b));
        Assert.False(store.ClaimLease(Id("I"), intentOwner with { Deadline = null }, b));
        Assert.False(store.ClaimLease(Id("I"), intentOwner with { Host = "host-c" }, b));
        Assert.False(store.ClaimLease(Id("I"), intentOwner with { ProcessId = 43 }, b));
        Assert.False(store.ClaimLease(Id("nothing"), null, b));
        Assert.Equal(intentOwner, store.GetLease(Id("I"))!.Owner);

        Assert.True(store.ClaimLease(Id("I"), intentOwner, b));
        var moved = b with { Deadline = Now.AddMinutes(6) };
        Assert.True(store.ClaimLease(Id("I"), b, moved));
        Assert.Equal(Lease(Id("I"), LeaseState.Pending, moved), store.GetLease(Id("I")));
        Assert.False(store.ActivateLease(Id("I"), "AKIDX", intentOwner));
        Assert.True(store.ClaimLease(Id("I"), moved, null));
        Assert.Null(store.GetLease(Id("I"))!.Owner);
        Assert.Equal(LeaseState.Pending, store.GetLease(Id("I"))!.State);
    }

    [Fact]
    public void Of_two_hosts_claiming_one_lease_at_once_exactly_one_wins()
    {
        var location = dynalite.NewLocation();
        using var a = dynalite.Open(location);
        using var b = dynalite.Open(location);
        Assert.Null(a.AddMount(Mount("aws")));
        Assert.True(a.InsertLeaseUnderEnabledMount(Lease(Id("C"))));
        var won = Together.Run(12, i => (i % 2 == 0 ? a : b).ClaimLease(Id("C"), null, new LeaseOwner("host-" + i, i, Now) { Deadline = Now.AddMinutes(2) }));
        var winner = Assert.Single(Enumerable.Range(0, won.Length), i => won[i]);
        Assert.Equal("host-" + winner, b.GetLease(Id("C"))!.Owner!.Host);
        Assert.Single(Together.Run(6, i => (i % 2 == 0 ? a : b).DeleteLease(Id("C"))), d => d);
    }

    [Fact]
    public void An_intent_activates_only_for_its_current_owner()
    {
        using var store = dynalite.Open();
        Assert.Null(store.AddMount(Mount("aws")));
        var owner = new LeaseOwner("host-a", 42, Now) { Deadline = Now.AddMinutes(2) };
        Assert.True(store.InsertLeaseUnderEnabledMount(Lease(Id("O"), LeaseState.Pending, owner)));
        Assert.False(store.ActivateLease(Id("O"), "AKIDX", owner with { Deadline = Now.AddMinutes(1) }));
        Assert.True(store.ActivateLease(Id("O"), "AKIDX", owner));
        Assert.Equal((LeaseState.Active, "AKIDX", (LeaseOwner?)null), (store.GetLease(Id("O"))!.State, store.GetLease(Id("O"))!.AccessKeyId, store.GetLease(Id("O"))!.Owner));
    }

    // ---- the request lock across hosts --------------------------------------------------------------

    [Fact]
    public async Task The_request_lock_is_shared_by_hosts_on_one_table_and_a_dead_holders_lock_frees_itself()
    {
        var location = dynalite.NewLocation();
        using var a = dynalite.Open(location);
        using var b = dynalite.Open(location);
        var held = await a.LockRequestAsync("ab", TimeSpan.FromSeconds(30), null, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<EngineException>(() => b.LockRequestAsync("ab", TimeSpan.Zero, null, CancellationToken.None));
        Assert.Equal("RequestLockTimeout", ex.Reason);
        held.Dispose();
        (await b.LockRequestAsync("ab", TimeSpan.Zero, null, CancellationToken.None)).Dispose();

        // A holder that died left its item behind with a deadline that has passed.
        using var client = dynalite.Client();
        await client.PutItemAsync(location.Table, new Dictionary<string, AttributeValue>
        {
            ["pk"] = new() { S = "lock" },
            ["sk"] = new() { S = "cd" },
            ["holder"] = new() { S = "dead" },
            ["deadline"] = new() { N = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds().ToString() },
        });
        (await a.LockRequestAsync("cd", TimeSpan.Zero, null, CancellationToken.None)).Dispose();
    }

    private static Dictionary<string, AttributeValue> StoreKey(string kind) => new() { ["pk"] = new() { S = kind }, ["sk"] = new() { S = kind } };
}
