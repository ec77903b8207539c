using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace DynamicAwsCreds.Engine.Aws;

/// <summary>
/// Calls one AWS service over the Query protocol: form-encoded POST signed with SigV4, XML answers,
/// retries with backoff. Stateless per call, so one instance serves many concurrent calls.
/// </summary>
public sealed class QueryClient
{
    private const string FormContentType = "application/x-www-form-urlencoded; charset=utf-8";
    private static readonly string UserAgent =
        $"DynamicAwsCreds/{typeof(QueryClient).Assembly.GetName().Version?.ToString(3) ?? "0"}";

    private readonly HttpClient _http;
    private readonly AwsClientOptions _options;
    private readonly Func<CancellationToken, ValueTask<AwsCredentials>> _credentials;
    private readonly AdaptiveRateLimiter _sendRate = new();

    public QueryClient(HttpClient http, AwsClientOptions options, Func<CancellationToken, ValueTask<AwsCredentials>> credentials)
    {
        _http = http;
        _options = options;
        _credentials = credentials;
    }

    internal AwsClientOptions Options => _options;

    /// <summary>Returns the <c>&lt;ActionResult&gt;</c> element, or the response root when there is none.</summary>
    public async Task<XElement> CallAsync(
        string action, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct = default)
    {
        var body = Encoding.UTF8.GetBytes(FormBody(action, _options.Version, parameters));
        var target = TargetOf(parameters);

        var uncertain = false;
        for (var attempt = 1; ; attempt++)
        {
            // Fetched and signed per attempt: credentials may rotate and x-amz-date must be fresh.
            var credentials = await _credentials(ct).ConfigureAwait(false);
            await _sendRate.WaitAsync(ct).ConfigureAwait(false);
            var started = Stopwatch.GetTimestamp();
            Answer answer;
            try
            {
                answer = await SendOnceAsync(body, credentials, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransportFailure(e, ct))
            {
                Report(action, target, null, e is OperationCanceledException ? "Timeout" : e.GetType().Name, started, attempt);
                uncertain = true;
                if (attempt > _options.MaxRetries || !_options.RetryUnreachable)
                    throw new AwsTransportException(_options.Service, action, attempt,
                        e is OperationCanceledException ? new TimeoutException($"No answer within {_options.Timeout}.", e) : e);
                await DelayAsync(attempt, ct).ConfigureAwait(false);
                continue;
            }

            if (answer.Status is >= 200 and < 300)
            {
                _sendRate.OnSuccess();
                Report(action, target, answer.Status, null, started, attempt);
                return ResultOf(action, answer);
            }

            var error = AwsErrorParser.Parse(_options.Service, action, answer.Status, answer.Body, answer.RequestId);
            Report(action, target, answer.Status, error.Code, started, attempt);
            if (Retry.IsThrottling(error))
            {
                _sendRate.OnThrottled();
            }

            error.AfterUncertainAttempt = uncertain;
            if (attempt > _options.MaxRetries || !Retry.IsRetryable(error))
                throw error;
            uncertain |= answer.Status >= 500;
            await DelayAsync(attempt, ct).ConfigureAwait(false);
        }
    }

    private readonly record struct Answer(int Status, string Body, string? RequestId);

    private async Task<Answer> SendOnceAsync(byte[] body, AwsCredentials credentials, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Timeout);
        using var request = Sign(body, credentials, DateTime.UtcNow);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
            .ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
        return new Answer((int)response.StatusCode, text, requestId);
    }

    internal HttpRequestMessage Sign(byte[] body, AwsCredentials credentials, DateTime now)
    {
        var signedAt = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        var payloadHash = SigV4.Sha256Hex(body);
        var host = SigV4.HostHeader(_options.Endpoint);
        var headers = new List<KeyValuePair<string, string>>
        {
            new("content-type", FormContentType),
            new("host", host),
            new("x-amz-content-sha256", payloadHash),
            new("x-amz-date", signedAt.ToString(SigV4.DateFormat, CultureInfo.InvariantCulture)),
        };
        if (!string.IsNullOrEmpty(credentials.SessionToken))
            headers.Add(new("x-amz-security-token", credentials.SessionToken));

        var (canonicalRequest, signedHeaders) =
            SigV4.CanonicalRequest("POST", SigV4.CanonicalUri(_options.Endpoint), [], headers, payloadHash);
        var authorization = SigV4.Authorization(
            credentials, _options.Region, _options.Service, signedAt, signedHeaders, canonicalRequest);

        var request = new HttpRequestMessage(HttpMethod.Post, _options.Endpoint) { Content = new ByteArrayContent(body) };
        // Sent byte for byte as signed: no re-formatting by the typed header parsers.
        request.Content.Headers.TryAddWithoutValidation("Content-Type", FormContentType);
        request.Headers.Host = host;
        foreach (var (name, value) in headers.Where(h => h.Key.StartsWith("x-amz-", StringComparison.Ordinal)))
            request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        return request;
    }

    internal static string FormBody(string action, string version, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var builder = new StringBuilder("Action=").Append(SigV4.UriEncode(action))
            .Append("&Version=").Append(SigV4.UriEncode(version));
        foreach (var (name, value) in parameters)
            builder.Append('&').Append(SigV4.UriEncode(name)).Append('=').Append(SigV4.UriEncode(value));
        return builder.ToString();
    }

    private XElement ResultOf(string action, Answer answer)
    {
        XElement root;
        try
        {
            root = XDocument.Parse(answer.Body).Root ?? new XElement(action + "Response");
        }
        catch (XmlException)
        {
            // Neither the body nor the parser's message goes into the error: it may hold an issued secret key.
            throw new AwsServiceException(_options.Service, action, "InvalidResponse",
                "the response is not well-formed XML", answer.Status, answer.RequestId, isSender: false);
        }
        return root.Child(action + "Result") ?? root;
    }

    private static string? TargetOf(IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        foreach (var name in (string[])["UserName", "GroupName", "PolicyArn", "RoleArn"])
            foreach (var (key, value) in parameters)
                if (key == name)
                    return value;
        return null;
    }

    private static bool IsTransportFailure(Exception e, CancellationToken ct) => e switch
    {
        OperationCanceledException => !ct.IsCancellationRequested, // our per-attempt timeout, not the caller
        HttpRequestException or IOException or TimeoutException => true,
        _ => false,
    };

    private Task DelayAsync(int attempt, CancellationToken ct) =>
        Task.Delay(Retry.Backoff(attempt - 1, _options.BaseDelay, _options.MaxBackoff), ct);

    private void Report(string action, string? target, int? status, string? errorCode, long started, int attempt)
    {
        if (_options.OnCall is not { } onCall)
            return;
        try
        {
            onCall(new AwsCallRecord(_options.Service, action, target, status, errorCode,
                Stopwatch.GetElapsedTime(started), attempt));
        }
        catch (Exception)
        {
            // An observer must not turn a completed call (say, a created access key) into a failure.
        }
    }
}
