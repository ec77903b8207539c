namespace DynamicAwsCreds;

/// <summary>A mount's lease config (Vault's config/lease). Null when not set: the mount's TTLs, else 768h, apply.</summary>
public sealed class AwsLeaseConfig(string path, TimeSpan? lease, TimeSpan? leaseMax)
{
    public string Path { get; } = path;
    public TimeSpan? Lease { get; } = lease;
    public TimeSpan? LeaseMax { get; } = leaseMax;

    public override string ToString() => $"{Path}: lease {Lease?.ToString() ?? "(default)"}, max {LeaseMax?.ToString() ?? "(default)"}";
}
