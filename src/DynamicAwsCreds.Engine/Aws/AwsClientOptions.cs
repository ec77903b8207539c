namespace DynamicAwsCreds.Engine.Aws;

public sealed class AwsClientOptions
{
    /// <summary>e.g. https://iam.amazonaws.com/ or http://127.0.0.1:4599/</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The signing region; IAM in partition aws always signs with us-east-1.</summary>
    public required string Region { get; init; }

    /// <summary>The signing service name: "iam" or "sts".</summary>
    public required string Service { get; init; }

    /// <summary>The API version: "2010-05-08" (IAM) or "2011-06-15" (STS).</summary>
    public required string Version { get; init; }

    /// <summary>Retries after the first attempt.</summary>
    public int MaxRetries { get; init; } = 3;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Per attempt, from sending the request to reading the whole answer.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Called after each attempt (for -Verbose lines).</summary>
    public Action<AwsCallRecord>? OnCall { get; init; }

    public static Uri DefaultIamEndpoint { get; } = new("https://iam.amazonaws.com/");

    public static Uri DefaultStsEndpoint(string region) => new($"https://sts.{region}.amazonaws.com/");
}
