using System.Globalization;
using System.Xml.Linq;

namespace DynamicAwsCreds.Engine.Aws;

/// <summary>STS over the Query protocol (API version 2011-06-15).</summary>
public sealed class StsQueryClient
{
    private readonly QueryClient _query;

    public StsQueryClient(QueryClient query) => _query = query;

    public async Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken ct = default)
    {
        var result = await _query.CallAsync("GetCallerIdentity", [], ct).ConfigureAwait(false);
        return new CallerIdentity(result.Required("Account"), result.Required("Arn"), result.Required("UserId"));
    }

    public async Task<StsCredentials> AssumeRoleAsync(StsRequest request, string roleArn, string roleSessionName, string? externalId, CancellationToken ct = default)
    {
        var parameters = QueryParameters.Of(("RoleArn", roleArn), ("RoleSessionName", roleSessionName), ("ExternalId", externalId));
        AddCommon(parameters, request);
        var result = await _query.CallAsync("AssumeRole", parameters, ct).ConfigureAwait(false);
        return ToCredentials(result, result.Child("AssumedRoleUser")?.ChildValue("Arn"));
    }

    public async Task<StsCredentials> GetFederationTokenAsync(StsRequest request, string name, CancellationToken ct = default)
    {
        var parameters = QueryParameters.Of(("Name", name));
        AddCommon(parameters, request);
        var result = await _query.CallAsync("GetFederationToken", parameters, ct).ConfigureAwait(false);
        return ToCredentials(result, result.Child("FederatedUser")?.ChildValue("Arn"));
    }

    public async Task<StsCredentials> GetSessionTokenAsync(TimeSpan duration, string? serialNumber, string? tokenCode, CancellationToken ct = default)
    {
        var parameters = QueryParameters.Of(
            ("DurationSeconds", Seconds(duration)), ("SerialNumber", serialNumber), ("TokenCode", tokenCode));
        var result = await _query.CallAsync("GetSessionToken", parameters, ct).ConfigureAwait(false);
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
