namespace DynamicAwsCreds.Engine.Aws;

/// <summary>STS over the Query protocol (API version 2011-06-15): just what identifying the caller needs.</summary>
public sealed class StsQueryClient
{
    private readonly QueryClient _query;

    public StsQueryClient(QueryClient query) => _query = query;

    public async Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken ct = default)
    {
        var result = await _query.CallAsync("GetCallerIdentity", [], ct).ConfigureAwait(false);
        return new CallerIdentity(result.Required("Account"), result.Required("Arn"), result.Required("UserId"));
    }
}
