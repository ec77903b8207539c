using System.Globalization;

namespace DynamicAwsCreds.Engine.Aws;

/// <summary>
/// Makes the Query clients of IAM and STS, all over one HttpClient for the whole process, so its connection limit
/// holds for every engine and every mount together.
/// </summary>
public sealed class AwsClientFactory : IAwsClientFactory
{
    private const string IamVersion = "2010-05-08";
    private const string StsVersion = "2011-06-15";

    private static readonly HttpClient Http = CreateHttpClient();

    private readonly Action<string>? _verbose;

    /// <param name="verbose">Told one line without secrets per AWS call attempt and per move to a fallback STS endpoint.</param>
    public AwsClientFactory(Action<string>? verbose = null) => _verbose = verbose;

    /// <summary>
    /// An HttpClient fit for sharing: pooled connections recycled so DNS changes are seen, enough of them for
    /// parallel revokes at the highest throttle limit. Timeouts are per attempt, in <see cref="AwsClientOptions"/>.
    /// </summary>
    public static HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = 256,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

    public AwsApis Create(AwsConnection connection)
    {
        var iam = new QueryClient(Http, Options(connection.Iam, "iam", IamVersion, connection.MaxRetries, retryUnreachable: true), connection.Credentials);
        // STS over its endpoints in order: before a fallback, an unreachable endpoint is left at once rather than retried.
        var sts = connection.Sts
            .Select((e, i) => new QueryClient(Http, Options(e, "sts", StsVersion, connection.MaxRetries, retryUnreachable: i == connection.Sts.Count - 1), connection.Credentials))
            .ToList();
        return new AwsApis(new IamClient(iam), new StsQueryClient(sts, _verbose));
    }

    private AwsClientOptions Options(QueryEndpoint endpoint, string service, string version, int maxRetries, bool retryUnreachable) => new()
    {
        Endpoint = endpoint.Url,
        Region = endpoint.SigningRegion,
        Service = service,
        Version = version,
        MaxRetries = maxRetries,
        RetryUnreachable = retryUnreachable,
        OnCall = _verbose is null ? null : Report,
    };

    private void Report(AwsCallRecord call)
    {
        var status = call.ErrorCode is null ? call.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "no answer" : $"{call.StatusCode} {call.ErrorCode}";
        var attempt = call.Attempt > 1 ? $" (attempt {call.Attempt})" : string.Empty;
        _verbose!($"AWS {call.Service.ToUpperInvariant()} {call.Action} {call.Target ?? "-"}: {status} in {call.Elapsed.TotalMilliseconds:0} ms{attempt}");
    }
}
