namespace DynamicAwsCreds.Engine.Aws;

/// <summary>One endpoint of a service: the URL called and the region its requests are signed for.</summary>
public sealed record QueryEndpoint(Uri Url, string SigningRegion);

/// <summary>
/// What a set of clients needs: IAM's endpoint, STS's endpoints in the order they are tried (the next only when
/// one gives no answer), the credentials that sign every call, and how many times a call is retried.
/// </summary>
public sealed record AwsConnection(
    QueryEndpoint Iam,
    IReadOnlyList<QueryEndpoint> Sts,
    Func<CancellationToken, ValueTask<AwsCredentials>> Credentials,
    int MaxRetries);

public sealed record AwsApis(IIamApi Iam, IStsApi Sts);

/// <summary>
/// The one place that makes IAM and STS clients. The engine asks it for a mount's clients; engine unit tests hand
/// it a fake that keeps IAM and STS in memory.
/// </summary>
public interface IAwsClientFactory
{
    AwsApis Create(AwsConnection connection);
}
