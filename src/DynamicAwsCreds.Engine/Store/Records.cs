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

    /// <summary>
    /// The AWS KMS key (id, ARN or alias) the root secret key is sealed with. A shared store seals root keys only with
    /// KMS and refuses them without a key; a file store may name one too.
    /// </summary>
    public string? KmsKeyId { get; init; }

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

/// <summary>
/// Who is working on a lease: the process that wrote an intent, or one revoking or recovering a lease it claimed
/// (<see cref="ILeaseStore.ClaimLease"/>). <see cref="Host"/> is the host identity (DYNAMICAWSCREDS_HOST_ID, else the
/// machine name). While <see cref="Deadline"/> lies ahead the owner is alive, and it moves the deadline on (a
/// heartbeat) while it works; once it has passed, any host may take the lease over. Without a deadline (intents
/// written before deadlines existed) only the process check and the age limit tell.
/// </summary>
public sealed record LeaseOwner(string Host, int ProcessId, DateTimeOffset ProcessStart)
{
    public DateTimeOffset? Deadline { get; init; }
}
