namespace DynamicAwsCreds.Engine.Store;

/// <summary>
/// Where a store lives, as DYNAMICAWSCREDS_STORE names it: a file path (the per-user SQLite store) or
/// <c>dynamodb://&lt;table&gt;?region=&lt;region&gt;[&amp;endpoint=&lt;url&gt;]</c> (the shared DynamoDB store).
/// </summary>
public abstract record StoreLocation
{
    /// <summary>How a user would write it (shown by Get-SecretsEngine); never holds a secret.</summary>
    public abstract string Display { get; }

    /// <summary>True for a store many hosts share (root keys only sealed with KMS; intents recovered by deadline).</summary>
    public abstract bool Shared { get; }
}

/// <summary>The per-user SQLite store at a full file path.</summary>
public sealed record SqliteStoreLocation(string Path) : StoreLocation
{
    public override string Display => Path;

    public override bool Shared => false;
}

/// <summary>
/// A shared store in a DynamoDB table. <paramref name="Endpoint"/> overrides the regional DynamoDB endpoint (a local
/// DynamoDB, a VPC endpoint); <paramref name="KmsEndpoint"/> the regional KMS endpoint used to seal root keys.
/// </summary>
public sealed record DynamoDbStoreLocation(string Table, string Region, Uri? Endpoint = null, Uri? KmsEndpoint = null) : StoreLocation
{
    public const string Scheme = "dynamodb";

    public override string Display =>
        $"{Scheme}://{Table}?region={Region}"
        + (Endpoint is null ? "" : $"&endpoint={Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/')}")
        + (KmsEndpoint is null ? "" : $"&kmsEndpoint={KmsEndpoint.GetLeftPart(UriPartial.Path).TrimEnd('/')}");

    public override bool Shared => true;
}
