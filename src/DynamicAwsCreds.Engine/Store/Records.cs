namespace DynamicAwsCreds.Engine.Store;

public sealed record MountRecord(
    string Path,
    string Type,
    string? Description,
    TimeSpan? DefaultLeaseTtl,
    TimeSpan? MaxLeaseTtl,
    DateTimeOffset CreatedAt);

/// <summary>Root config as stored: the secret key only ever as sealed by the store's <see cref="ISecretSealer"/>.</summary>
public sealed record RootConfigRecord(
    string Mount,
    string? AccessKey,
    byte[]? SecretKeyCiphertext,
    string? Region,
    string? IamEndpoint,
    string? StsEndpoint,
    int? MaxRetries,
    string? UsernameTemplate)
{
    /// <summary>Vault's sts_region: the region STS is signed for, when not the mount's region.</summary>
    public string? StsRegion { get; init; }

    /// <summary>Vault's sts_fallback_endpoints and sts_fallback_regions: pairs tried in order after the STS endpoint.</summary>
    public IReadOnlyList<string> StsFallbackEndpoints { get; init; } = [];

    public IReadOnlyList<string> StsFallbackRegions { get; init; } = [];

    /// <summary>Written under the safe-endpoint rules: any custom host in it was allowed with -AllowCustomEndpoint.</summary>
    public bool EndpointsVetted { get; init; }

    /// <summary>A fresh random value on every write, by any process: engines compare it to notice changes.</summary>
    public long Generation { get; init; }
}

public sealed record LeaseConfigRecord(string Mount, TimeSpan Lease, TimeSpan LeaseMax);

public sealed record RoleRecord(string Mount, string Name, string DefinitionJson, DateTimeOffset UpdatedAt);

public enum LeaseState
{
    /// <summary>An intent: written before CreateUser, so a crash can never strand an unknown user.</summary>
    Pending,
    Active,
}

/// <summary>One issued credential. Never holds a secret key or session token.</summary>
public sealed record LeaseRecord(
    string LeaseId,
    string Mount,
    string Role,
    string CredentialType,
    LeaseState State,
    DateTimeOffset IssueTime,
    DateTimeOffset ExpireTime,
    DateTimeOffset MaxExpireTime,
    DateTimeOffset? LastRenewalTime,
    bool Renewable,
    string? UserName,
    string? AccessKeyId,
    string? AssumedRoleArn,
    LeaseOwner? Owner);

/// <summary>The process that wrote an intent: lets a later process tell a crashed issue from a running one.</summary>
public sealed record LeaseOwner(string Host, int ProcessId, DateTimeOffset ProcessStart);
