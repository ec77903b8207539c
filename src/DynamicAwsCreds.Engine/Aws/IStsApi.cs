namespace DynamicAwsCreds.Engine.Aws;

/// <summary>The STS actions the engine calls: the Query client speaks them to AWS; tests may put a fake in its place.</summary>
public interface IStsApi
{
    Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken ct = default);

    Task<StsCredentials> AssumeRoleAsync(StsRequest request, string roleArn, string roleSessionName, string? externalId, CancellationToken ct = default);

    Task<StsCredentials> GetFederationTokenAsync(StsRequest request, string name, CancellationToken ct = default);

    Task<StsCredentials> GetSessionTokenAsync(TimeSpan duration, string? serialNumber, string? tokenCode, CancellationToken ct = default);
}
