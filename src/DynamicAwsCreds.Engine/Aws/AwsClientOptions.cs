namespace DynamicAwsCreds.Engine.Aws;

public sealed class AwsClientOptions
{
    /// <summary>e.g. https://iam.amazonaws.com/ or http://127.0.0.1:4599/</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The signing region; IAM signs with its partition's region (us-east-1 in partition aws).</summary>
    public required string Region { get; init; }

    /// <summary>The signing service name: "iam" or "sts".</summary>
    public required string Service { get; init; }

    /// <summary>The API version: "2010-05-08" (IAM) or "2011-06-15" (STS).</summary>
    public required string Version { get; init; }

    /// <summary>Retries after the first attempt.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>False: no answer at all (connection refused, reset, timeout) is not retried here, as another endpoint is tried next.</summary>
    public bool RetryUnreachable { get; init; } = true;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Per attempt, from sending the request to reading the whole answer.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Called after each attempt (for -Verbose lines).</summary>
    public Action<AwsCallRecord>? OnCall { get; init; }
}
