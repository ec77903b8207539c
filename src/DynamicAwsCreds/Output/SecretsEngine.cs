using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;

namespace DynamicAwsCreds;

/// <summary>A secrets engine enabled at a path (Get-SecretsEngine).</summary>
public sealed class SecretsEngine
{
    internal SecretsEngine(MountInfo m)
    {
        Path = m.Path;
        Type = m.Type;
        Description = m.Description;
        MaxLeaseTtl = m.MaxLeaseTtl is { } x && x > TimeSpan.Zero ? x : Durations.MaxLeaseTtl;
        DefaultLeaseTtl = m.DefaultLeaseTtl is { } d && d > TimeSpan.Zero ? d
            : Durations.DefaultLeaseTtl < MaxLeaseTtl ? Durations.DefaultLeaseTtl : MaxLeaseTtl;
        LeaseCount = m.LeaseCount;
        CreatedAt = m.CreatedAt.UtcDateTime;
        StorePath = m.StorePath;
        StoreKind = m.StoreKind;
        StoreId = m.StoreId;
    }

    public string Path { get; }
    public string Type { get; }
    public string? Description { get; }
    /// <summary>The mount's default lease TTL; when it was not set, Vault's system default (768h) within the mount's max.</summary>
    public TimeSpan DefaultLeaseTtl { get; }

    /// <summary>The mount's max lease TTL; Vault's system maximum (768h) when it was not set.</summary>
    public TimeSpan MaxLeaseTtl { get; }
    public long LeaseCount { get; }
    public DateTime CreatedAt { get; }

    /// <summary>Where the store lives: the SQLite file's full path, or the DynamoDB table's URI.</summary>
    public string StorePath { get; }

    /// <summary>The kind of store in use: SQLite or DynamoDB.</summary>
    public string StoreKind { get; }

    /// <summary>The store's random id: every IAM user it issues names it in its ownership marker.</summary>
    public string StoreId { get; }

    public override string ToString() => Path;
}

/// <summary>A mount's root config (Get-AwsRootConfig): everything but the secret.</summary>
public sealed class AwsRootConfig
{
    internal AwsRootConfig(RootConfigInfo c)
    {
        Path = c.Path;
        AccessKey = c.AccessKey;
        HasSecretKey = c.HasSecretKey;
        CredentialSource = c.CredentialSource;
        Region = c.Region;
        IamEndpoint = c.IamEndpoint;
        StsEndpoint = c.StsEndpoint;
        MaxRetries = c.MaxRetries;
        UsernameTemplate = c.UsernameTemplate;
        StsRegion = c.StsRegion;
        StsFallbackEndpoints = [.. c.StsFallbackEndpoints];
        StsFallbackRegions = [.. c.StsFallbackRegions];
        Partition = c.Endpoints.Partition.Name;
        EffectiveIamEndpoint = new AwsEndpoint(c.Endpoints.Iam);
        EffectiveStsEndpoints = [.. c.Endpoints.Sts.Select(e => new AwsEndpoint(e))];
        KmsKeyId = c.KmsKeyId;
    }

    public string Path { get; }
    public string? AccessKey { get; }
    public bool HasSecretKey { get; }
    public string CredentialSource { get; }
    public string Region { get; }
    public string? IamEndpoint { get; }
    public string? StsEndpoint { get; }
    public int MaxRetries { get; }
    public string? UsernameTemplate { get; }

    /// <summary>Vault's sts_region as stored (null: the region).</summary>
    public string? StsRegion { get; }

    public string[] StsFallbackEndpoints { get; }
    public string[] StsFallbackRegions { get; }

    /// <summary>The AWS partition of the region: aws, aws-us-gov or aws-cn.</summary>
    public string Partition { get; }

    /// <summary>Where IAM calls go and the region they are signed for, defaults included.</summary>
    public AwsEndpoint EffectiveIamEndpoint { get; }

    /// <summary>Where STS calls go, in the order tried (the STS endpoint, then each fallback), with their signing regions.</summary>
    public AwsEndpoint[] EffectiveStsEndpoints { get; }

    /// <summary>The AWS KMS key the mount's secrets are sealed with (a shared store), as it was given; null when none.</summary>
    public string? KmsKeyId { get; }

    public override string ToString() => $"{Path} ({CredentialSource})";
}
