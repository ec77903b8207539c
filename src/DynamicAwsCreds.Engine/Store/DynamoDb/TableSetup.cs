using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Item = System.Collections.Generic.Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>;

namespace DynamicAwsCreds.Engine.Store.DynamoDb;

/// <summary>
/// Makes the table ready as a store: creates it when missing (on-demand capacity, string keys pk and sk) and waits
/// until it is active, checks its key schema, and reads or writes the store item (store id and format version).
/// A table of another shape, or holding items but no store item, is refused and left as it is.
/// </summary>
internal static class TableSetup
{
    /// <summary>The format of the items this code reads and writes; a store item with a higher one is refused.</summary>
    public const long FormatVersion = 1;

    private static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromSeconds(2);

    /// <summary>Returns the store id, after the table is active, of the right shape and holds a store item.</summary>
    public static string Prepare(StoreTable table, string? newStoreId)
    {
        EnsureActive(table);
        return EnsureStoreItem(table, newStoreId ?? StoreIds.New());
    }

    private static void EnsureActive(StoreTable table)
    {
        var started = DateTime.UtcNow;
        var description = Describe(table) ?? Create(table);
        var poll = FirstPoll;
        while (description.TableStatus != TableStatus.ACTIVE)
        {
            if (DateTime.UtcNow - started > LongestWait)
            {
                throw new EngineException(StoreErrors.Unavailable, ErrorKind.OperationTimeout, table.Location.Display,
                    $"The DynamoDB table '{table.Name}' in {table.Location.Region} did not become active within {Durations.Format(LongestWait)} (it is {description.TableStatus}). Try again later.");
            }

            Thread.Sleep(poll);
            poll = poll * 2 < LongestPoll ? poll * 2 : LongestPoll;
            description = Describe(table) ?? throw new EngineException(StoreErrors.Unavailable, ErrorKind.ResourceUnavailable, table.Location.Display,
                $"The DynamoDB table '{table.Name}' in {table.Location.Region} was deleted while it was being made ready.");
        }

        CheckKeySchema(table, description);
    }

    private static TableDescription? Describe(StoreTable table)
    {
        try
        {
            return table.Call(ct => table.Client.DescribeTableAsync(new DescribeTableRequest { TableName = table.Name }, ct)).Table;
        }
        catch (EngineException ex) when (ex.AwsCode == "ResourceNotFoundException")
        {
            return null;
        }
    }

    private static TableDescription Create(StoreTable table)
    {
        try
        {
            return table.Call(ct => table.Client.CreateTableAsync(new CreateTableRequest
            {
                TableName = table.Name,
                BillingMode = BillingMode.PAY_PER_REQUEST,
                AttributeDefinitions =
                [
                    new AttributeDefinition(Attr.Pk, ScalarAttributeType.S),
                    new AttributeDefinition(Attr.Sk, ScalarAttributeType.S),
                ],
                KeySchema = [new KeySchemaElement(Attr.Pk, KeyType.HASH), new KeySchemaElement(Attr.Sk, KeyType.RANGE)],
            }, ct)).TableDescription;
        }
        catch (EngineException ex) when (ex.AwsCode == "ResourceInUseException" && Describe(table) is { } created)
        {
            // Another host created it at the same moment: wait for that one.
            return created;
        }
    }

    private static void CheckKeySchema(StoreTable table, TableDescription description)
    {
        var keys = (description.KeySchema ?? []).Select(k => (k.AttributeName, k.KeyType.Value)).ToList();
        var types = (description.AttributeDefinitions ?? []).ToDictionary(a => a.AttributeName, a => a.AttributeType.Value, StringComparer.Ordinal);
        var expected = new[] { (Attr.Pk, KeyType.HASH.Value), (Attr.Sk, KeyType.RANGE.Value) };
        if (!keys.SequenceEqual(expected) || types.GetValueOrDefault(Attr.Pk) != "S" || types.GetValueOrDefault(Attr.Sk) != "S")
        {
            var schema = string.Join(", ", keys.Select(k => $"{k.AttributeName} {k.Value} {types.GetValueOrDefault(k.AttributeName)}"));
            throw StoreErrors.ShapeMismatch(table.Location, $"its key schema is ({schema}), not (pk HASH S, sk RANGE S)");
        }
    }

    /// <summary>
    /// Reads the store item, or writes one into an empty table with a conditional put (attribute_not_exists), so that
    /// hosts opening a new table at once agree on the first writer's id. Also makes sure the mount catalogue exists.
    /// </summary>
    private static string EnsureStoreItem(StoreTable table, string newStoreId)
    {
        var item = table.Get(ItemMapping.StorePk, ItemMapping.StorePk);
        if (item is null)
        {
            // A table that holds anything but is no store is refused; the store item may still appear meanwhile,
            // written by another host opening this new table.
            if (table.HoldsAnyItem())
            {
                item = table.Get(ItemMapping.StorePk, ItemMapping.StorePk)
                    ?? throw StoreErrors.ShapeMismatch(table.Location, "it holds items but no DynamicAwsCreds store item");
            }
            else
            {
                var fresh = new Item(StoreTable.Key(ItemMapping.StorePk, ItemMapping.StorePk))
                {
                    ["storeId"] = Attr.S(newStoreId),
                    ["formatVersion"] = Attr.N(FormatVersion),
                };
                item = table.Put(fresh, Expr.When("attribute_not_exists(#pk)").Named(Attr.Pk)) ? fresh : table.Get(ItemMapping.StorePk, ItemMapping.StorePk)!;
            }
        }

        var version = Attr.GetN(item, "formatVersion") ?? 0;
        if (version > FormatVersion)
        {
            throw StoreErrors.VersionTooNew(table.Location, version, FormatVersion);
        }

        var storeId = Attr.GetS(item, "storeId");
        if (string.IsNullOrEmpty(storeId) || version < 1)
        {
            throw StoreErrors.ShapeMismatch(table.Location, "its store item has no store id or format version");
        }

        MountCatalogue.EnsureExists(table);
        return storeId;
    }
}
