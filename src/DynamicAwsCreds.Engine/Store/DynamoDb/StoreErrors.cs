using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace DynamicAwsCreds.Engine.Store.DynamoDb;

/// <summary>
/// How a failure of DynamoDB becomes a DynamicAwsCreds error naming the table: no permission, no credentials, no
/// network. Messages carry the table, region, AWS error code and AWS's own message, never an item's contents.
/// </summary>
internal static class StoreErrors
{
    public const string Unavailable = "StoreUnavailable";
    private const string ReadmeHint = "README's \"For teams\" section has the `aws dynamodb create-table` command and the least-privilege IAM policy for the store.";

    private static readonly HashSet<string> PermissionCodes = new(StringComparer.Ordinal)
    {
        "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException", "MissingAuthenticationTokenException",
        "IncompleteSignatureException", "ExpiredTokenException", "InvalidClientTokenId", "SignatureDoesNotMatch", "AuthFailure",
    };

    /// <summary>
    /// The error a failure stands for; null for what callers handle themselves (a failed condition, an EngineException,
    /// a cancellation the caller asked for).
    /// </summary>
    public static EngineException? Translate(Exception ex, DynamoDbStoreLocation location)
    {
        var where = $"'{location.Table}' in {location.Region}";
        switch (ex)
        {
            case ConditionalCheckFailedException or EngineException or OperationCanceledException { CancellationToken.IsCancellationRequested: true }:
                return null;
            case AmazonServiceException { ErrorCode: { } code } aws when PermissionCodes.Contains(code):
                return new EngineException(Unavailable, ErrorKind.PermissionDenied, location.Display,
                    $"The shared store's DynamoDB table {where} cannot be used: AWS answered {code} ({aws.Message.TrimEnd('.')}). "
                    + "Give the store's credentials (the AWS SDK's default chain) the DynamoDB permissions it needs, or create the table; the " + ReadmeHint, ex)
                { AwsCode = code };
            case AmazonServiceException { ErrorCode: { } code } aws:
                return new EngineException(Unavailable, ErrorKind.ResourceUnavailable, location.Display,
                    $"The shared store's DynamoDB table {where} failed: AWS answered {code} ({aws.Message.TrimEnd('.')}).", ex)
                { AwsCode = code };
            case AmazonClientException when ex.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase):
                return new EngineException(Unavailable, ErrorKind.PermissionDenied, location.Display,
                    $"The shared store's DynamoDB table {where} cannot be used: no AWS credentials were found for it ({ex.Message.TrimEnd('.')}). "
                    + "The store uses the AWS SDK's default chain (environment, profile, container or instance role); the " + ReadmeHint, ex);
            default:
                return new EngineException(Unavailable, ErrorKind.ConnectionError, location.Display,
                    $"The shared store's DynamoDB table {where} cannot be reached{Endpoint(location)}: {Cause(ex)}", ex);
        }
    }

    /// <summary>The table exists with another key schema, or holds items of something that is not a store.</summary>
    public static EngineException ShapeMismatch(DynamoDbStoreLocation location, string what) =>
        new("StoreShapeMismatch", ErrorKind.InvalidData, location.Display,
            $"The DynamoDB table '{location.Table}' in {location.Region} is not a DynamicAwsCreds store: {what}. It was left untouched; name another table.");

    public static EngineException VersionTooNew(DynamoDbStoreLocation location, long version, long understood) =>
        new("StoreVersionTooNew", ErrorKind.InvalidData, location.Display,
            $"The shared store in DynamoDB table '{location.Table}' has format version {version}, newer than this module understands ({understood}). Update DynamicAwsCreds; the store was left untouched.");

    private static string Endpoint(DynamoDbStoreLocation location) =>
        location.Endpoint is { } e ? $" at {e.GetLeftPart(UriPartial.Authority)}" : string.Empty;

    /// <summary>The innermost message, where the network's own reason is.</summary>
    private static string Cause(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            messages.Add($"{e.GetType().Name}: {e.Message.TrimEnd('.')}");
        }

        return string.Join(" <- ", messages.Distinct()) + ".";
    }
}
