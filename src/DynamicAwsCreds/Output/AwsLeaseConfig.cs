namespace DynamicAwsCreds;

/// <summary>A mount's lease config (Vault's config/lease). Null when not set: the mount's TTLs, else 768h, apply.</summary>
public sealed class AwsLeaseConfig(string path, TimeSpan? lease, TimeSpan? leaseMax)
{
    public string Path { get; } = path;
    public TimeSpan? Lease { get; } = lease;
    public TimeSpan? LeaseMax { get; } = leaseMax;

    public override string ToString() => $"{Path}: lease {Shown(Lease)}, max {Shown(LeaseMax)}";

    private static string Shown(TimeSpan? value) => value is null ? "(default)" : Duration.Format(value);
}
