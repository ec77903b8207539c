namespace DynamicAwsCreds.Engine.Aws;

/// <summary>Which failures are worth another attempt, and how long to wait before it.</summary>
internal static class Retry
{
    // Throttling, RequestLimitExceeded, ServiceUnavailable and ConcurrentModification, plus the throttling and timeout
    // codes aws-sdk-net also treats as transient; 5xx and 429 are retried by status below.
    private static readonly HashSet<string> RetryableCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "RequestThrottled",
        "TooManyRequestsException", "RequestLimitExceeded", "ServiceUnavailable", "SlowDown",
        "ConcurrentModification", "ConcurrentModificationException",
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
    };

    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "RequestThrottled",
        "TooManyRequestsException", "RequestLimitExceeded", "SlowDown",
    };

    public static bool IsThrottling(AwsServiceException error) => ThrottlingCodes.Contains(error.Code) || error.StatusCode == 429;

    public static bool IsRetryable(AwsServiceException error) =>
        RetryableCodes.Contains(error.Code) || error.StatusCode >= 500 || error.StatusCode == 429;

    /// <summary>Exponential backoff with full jitter: uniform in [0, min(maxBackoff, baseDelay · 2^retry)).</summary>
    public static TimeSpan Backoff(int retry, TimeSpan baseDelay, TimeSpan maxBackoff)
    {
        var cap = Math.Min(maxBackoff.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Max(0, cap));
    }
}
