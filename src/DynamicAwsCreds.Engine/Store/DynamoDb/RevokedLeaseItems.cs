using Item = System.Collections.Generic.Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>;

namespace DynamicAwsCreds.Engine.Store.DynamoDb;

/// <summary>
/// Tombstones of revoked leases, one item each in the partition "revoked" sorted by lease id, with the time to keep
/// it until. Remembering one also deletes those whose time has passed (a query of the partition), so the partition
/// holds only the tombstones still within their lifetime.
/// </summary>
internal sealed class RevokedLeaseItems(StoreTable table)
{
    public void Remember(string leaseId, DateTimeOffset keepUntil, DateTimeOffset now)
    {
        foreach (var old in table.Query(ItemMapping.RevokedPk, filter: Passed(now)))
        {
            // Only while still passed: another host may have just revoked the same id again.
            table.Delete(ItemMapping.RevokedPk, Attr.S(old, Attr.Sk), Passed(now));
        }

        table.Put(new Item
        {
            [Attr.Pk] = Attr.S(ItemMapping.RevokedPk),
            [Attr.Sk] = Attr.S(leaseId),
            ["keepUntil"] = Attr.Time(keepUntil),
        });
    }

    private static Expr Passed(DateTimeOffset now) => Expr.When("#keepUntil <= :now").Named("keepUntil").Value(":now", Attr.Time(now));

    public bool WasRevoked(string leaseId, DateTimeOffset now) =>
        table.Get(ItemMapping.RevokedPk, leaseId) is { } item && Attr.Time(item, "keepUntil") > now;
}
