using Item = System.Collections.Generic.Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace DynamicAwsCreds.Engine.Store.DynamoDb;

/// <summary>
/// The store's table as single-item calls: strongly consistent reads, writes that return false when their condition
/// fails, and queries that follow every page. Every failure of DynamoDB becomes an <see cref="EngineException"/>
/// (<see cref="StoreErrors"/>); the store's methods are synchronous, so each call waits for its answer.
/// </summary>
internal sealed class StoreTable(IAmazonDynamoDB client, DynamoDbStoreLocation location, int? pageSize = null) : IDisposable
{
    public string Name => location.Table;

    public DynamoDbStoreLocation Location => location;

    public IAmazonDynamoDB Client => client;

    public Item? Get(string pk, string sk) =>
        Call(ct => client.GetItemAsync(new GetItemRequest { TableName = Name, Key = Key(pk, sk), ConsistentRead = true }, ct)) is { Item: { Count: > 0 } item }
            ? item : null;

    /// <summary>Writes the whole item; false when <paramref name="condition"/> does not hold.</summary>
    public bool Put(Item item, Expr? condition = null) => Conditional(() => Call(ct => client.PutItemAsync(new PutItemRequest
    {
        TableName = Name,
        Item = item,
        ConditionExpression = condition?.Condition,
        ExpressionAttributeNames = condition?.NamesOrNull,
        ExpressionAttributeValues = condition?.ValuesOrNull,
    }, ct)));

    /// <summary>An update of one existing item (the condition must require it, or UpdateItem would create it); false when the condition fails.</summary>
    public bool Update(string pk, string sk, Expr update, out Item? old) => Update(pk, sk, update, ReturnValue.ALL_OLD, out old);

    public bool Update(string pk, string sk, Expr update) => Update(pk, sk, update, ReturnValue.NONE, out _);

    private bool Update(string pk, string sk, Expr update, ReturnValue returns, out Item? old)
    {
        Item? before = null;
        var done = Conditional(() =>
        {
            before = Call(ct => client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Name,
                Key = Key(pk, sk),
                UpdateExpression = update.Text,
                ConditionExpression = update.Condition,
                ExpressionAttributeNames = update.NamesOrNull,
                ExpressionAttributeValues = update.ValuesOrNull,
                ReturnValues = returns,
            }, ct)).Attributes;
        });
        old = before;
        return done;
    }

    /// <summary>Deletes one item; false when <paramref name="condition"/> fails (with attribute_exists(pk): when it was gone).</summary>
    public bool Delete(string pk, string sk, Expr? condition = null) => Conditional(() => Call(ct => client.DeleteItemAsync(new DeleteItemRequest
    {
        TableName = Name,
        Key = Key(pk, sk),
        ConditionExpression = condition?.Condition,
        ExpressionAttributeNames = condition?.NamesOrNull,
        ExpressionAttributeValues = condition?.ValuesOrNull,
    }, ct)));

    /// <summary>
    /// Every item of partition <paramref name="pk"/> (whose sort key starts with <paramref name="skPrefix"/>) that
    /// passes <paramref name="filter"/>, in sort-key order: UTF-8 bytes, which is code-point order. Follows every page.
    /// </summary>
    public List<Item> Query(string pk, string? skPrefix = null, Expr? filter = null, string? projection = null)
    {
        var names = new Dictionary<string, string>(filter?.Names ?? []) { ["#pk"] = Attr.Pk };
        var values = new Dictionary<string, AttributeValue>(filter?.Values ?? []) { [":pk"] = Attr.S(pk) };
        var keyCondition = "#pk = :pk";
        if (!string.IsNullOrEmpty(skPrefix))
        {
            names["#sk"] = Attr.Sk;
            values[":skPrefix"] = Attr.S(skPrefix);
            keyCondition += " AND begins_with(#sk, :skPrefix)";
        }

        var items = new List<Item>();
        Dictionary<string, AttributeValue>? from = null;
        do
        {
            var page = Call(ct => client.QueryAsync(new QueryRequest
            {
                TableName = Name,
                ConsistentRead = true,
                KeyConditionExpression = keyCondition,
                FilterExpression = filter?.Condition,
                ProjectionExpression = projection,
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
                ExclusiveStartKey = from,
                Limit = pageSize,
            }, ct));
            items.AddRange(page.Items ?? []);
            from = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (from is not null);

        return items;
    }

    /// <summary>True when the table holds any item at all (one strongly consistent scan step).</summary>
    public bool HoldsAnyItem() =>
        Call(ct => client.ScanAsync(new ScanRequest { TableName = Name, Limit = 1, ConsistentRead = true }, ct)) is var page
        && (page.Items is { Count: > 0 } || page.LastEvaluatedKey is { Count: > 0 });

    public T Call<T>(Func<CancellationToken, Task<T>> call) => CallAsync(call, CancellationToken.None).GetAwaiter().GetResult();

    public async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await Task.Run(() => call(ct), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (StoreErrors.Translate(ex, location) is { } translated)
        {
            throw translated;
        }
    }

    public static Dictionary<string, AttributeValue> Key(string pk, string sk) => new() { [Attr.Pk] = Attr.S(pk), [Attr.Sk] = Attr.S(sk) };

    private static bool Conditional(Action write)
    {
        try
        {
            write();
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public void Dispose() => client.Dispose();
}
