namespace DynamicAwsCreds.Engine.Store.DynamoDb;

/// <summary>The shared store: one DynamoDB table (single-table design), correct across hosts by conditional writes.</summary>
public sealed class DynamoDbLeaseStore
{
    /// <summary>
    /// Opens the store in <paramref name="location"/>'s table, creating the table (on-demand capacity) and waiting until
    /// it is active when it does not exist. A table with no store-id item gets <paramref name="newStoreId"/> (else a new
    /// random id), written conditionally so two hosts opening a new table agree on one id.
    /// </summary>
    public static ILeaseStore Open(DynamoDbStoreLocation location, string? newStoreId = null) =>
        throw new NotImplementedException("The DynamoDB store is not implemented yet.");
}
