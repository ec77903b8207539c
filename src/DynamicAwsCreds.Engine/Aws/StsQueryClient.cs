using System.Globalization;
using System.Xml.Linq;

namespace DynamicAwsCreds.Engine.Aws;

/// <summary>
/// STS over the Query protocol (API version 2011-06-15), at one endpoint or several (Vault's sts_fallback_endpoints):
/// each call goes to the first, and to the next only when one gives no answer at all. Sending a call again elsewhere
/// is safe for STS: a lost answer at most leaves unused temporary credentials behind.
/// </summary>
public sealed class StsQueryClient : IStsApi
{
    private readonly IReadOnlyList<QueryClient> _endpoints;
    private readonly Action<string>? _onFallback;

    public StsQueryClient(QueryClient query)
        : this([query])
    {
    }

    /// <param name="endpoints">In the order they are tried.</param>
    /// <param name="onFallback">Told, in a line without secrets, each time a call moves on to the next endpoint.</param>
    public StsQueryClient(IReadOnlyList<QueryClient> endpoints, Action<string>? onFallback = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(endpoints.Count);
        _endpoints = endpoints;
        _onFallback = onFallback;
    }

    private async Task<XElement> CallAsync(string action, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                return await _endpoints[i].CallAsync(action, parameters, ct).ConfigureAwait(false);
            }
            catch (AwsTransportException ex) when (i + 1 < _endpoints.Count)
            {
                var next = _endpoints[i + 1].Options;
                _onFallback?.Invoke($"STS {action}: no answer from {_endpoints[i].Options.Endpoint} ({ex.InnerException?.GetType().Name ?? "no answer"}); trying the fallback {next.Endpoint} ({next.Region}).");
            }
        }
    }

    public async Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken ct = default)
    {
        var result = await CallAsync("GetCallerIdentity", [], ct).ConfigureAwait(false);
        return new CallerIdentity(result.Required("Account"), result.Required("Arn"), result.Required("UserId"));
    }

    public async Task<StsCredentials> AssumeRoleAsync(StsRequest request, string roleArn, string roleSessionName, string? externalId, CancellationToken ct = default)
    {
        var parameters = QueryParameters.Of(("RoleArn", roleArn), ("RoleSessionName", roleSessionName), ("ExternalId", externalId));
        AddCommon(parameters, request);
        var result = await CallAsync("AssumeRole", parameters, ct).ConfigureAwait(false);
        return ToCredentials(result, result.Child("AssumedRoleUser")?.ChildValue("Arn"));
    }

    public async Task<StsCredentials> GetFederationTokenAsync(StsRequest request, string name, CancellationToken ct = default)
    {
        var parameters = QueryParameters.Of(("Name", name));
        AddCommon(parameters, request);
        var result = await CallAsync("GetFederationToken", parameters, ct).ConfigureAwait(false);
        return ToCredentials(result, result.Child("FederatedUser")?.ChildValue("Arn"));
    }

    public async Task<StsCredentials> GetSessionTokenAsync(TimeSpan duration, string? serialNumber, string? tokenCode, CancellationToken ct = default)
    {
        var parameters = QueryParameters.Of(
            ("DurationSeconds", Seconds(duration)), ("SerialNumber", serialNumber), ("TokenCode", tokenCode));
        var result = await CallAsync("GetSessionToken", parameters, ct).ConfigureAwait(false);
        return ToCredentials(result, null);
    }

    private static void AddCommon(List<KeyValuePair<string, string>> parameters, StsRequest request)
    {
        parameters.Add(new("DurationSeconds", Seconds(request.Duration)));
        if (request.Policy is not null)
        {
            parameters.Add(new("Policy", request.Policy));
        }

        QueryParameters.AddPolicyArns(parameters, request.PolicyArns);
        QueryParameters.AddTags(parameters, request.Tags);
        if (request.SerialNumber is not null)
        {
            parameters.Add(new("SerialNumber", request.SerialNumber));
        }

        if (request.TokenCode is not null)
        {
            parameters.Add(new("TokenCode", request.TokenCode));
        }
    }

    private static string Seconds(TimeSpan duration) => ((long)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private static StsCredentials ToCredentials(XElement result, string? principalArn)
    {
        var credentials = result.Child("Credentials") ?? throw new InvalidDataException("The STS response has no <Credentials>.");
        return new StsCredentials(
            credentials.Required("AccessKeyId"), credentials.Required("SecretAccessKey"), credentials.Required("SessionToken"),
            credentials.RequiredDate("Expiration"), principalArn);
    }
}

/// <summary>What AssumeRole and GetFederationToken share: duration, session policy, policy ARNs, session tags, MFA.</summary>
public sealed record StsRequest(
    TimeSpan Duration,
    string? Policy = null,
    IReadOnlyList<string>? PolicyArns = null,
    IReadOnlyDictionary<string, string>? Tags = null,
    string? SerialNumber = null,
    string? TokenCode = null);

/// <summary>Temporary credentials. ToString() never shows the secret or the token.</summary>
public sealed record StsCredentials(string AccessKeyId, string SecretAccessKey, string SessionToken, DateTimeOffset Expiration, string? PrincipalArn)
{
    public override string ToString() => $"StsCredentials {{ AccessKeyId = {AccessKeyId}, Expiration = {Expiration:O} }}";
}
