namespace DynamicAwsCreds;

/// <summary>
/// A mount's lease config (Vault's config/lease). Lease and LeaseMax are null when not set; then the mount's TTLs,
/// else 768h, apply: DefaultLease and DefaultLeaseMax, which the view and ToString() show in their place.
/// </summary>
public sealed class AwsLeaseConfig(string path, TimeSpan? lease, TimeSpan? leaseMax, SecretsEngine mount)
{
    public string Path { get; } = path;
    public TimeSpan? Lease { get; } = lease;
    public TimeSpan? LeaseMax { get; } = leaseMax;

    /// <summary>The lease an iam_user request gets when no lease config is set: the mount's default TTL, else 768h.</summary>
    public TimeSpan DefaultLease { get; } = mount.DefaultLeaseTtl;

    /// <summary>The maximum when no lease config is set: the mount's max TTL, else 768h.</summary>
    public TimeSpan DefaultLeaseMax { get; } = mount.MaxLeaseTtl;

    public override string ToString() => $"{Path}: lease {Shown(Lease, DefaultLease)}, max {Shown(LeaseMax, DefaultLeaseMax)}";

    /// <summary>A setting as Vault prints it, or the default in force, marked so.</summary>
    public static string Shown(TimeSpan? value, TimeSpan byDefault) =>
        value is null ? Duration.Format(byDefault) + " (default)" : Duration.Format(value);
}
