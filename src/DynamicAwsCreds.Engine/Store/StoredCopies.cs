namespace DynamicAwsCreds.Engine.Store;

/// <summary>
/// Records as a store keeps them: times to the millisecond in UTC, durations to the millisecond, and arrays and lists
/// copied, so a caller that changes what it passed in or got back changes nothing stored.
/// </summary>
public static class StoredCopies
{
    public static MountRecord Of(MountRecord m) =>
        m with { DefaultLeaseTtl = Ms(m.DefaultLeaseTtl), MaxLeaseTtl = Ms(m.MaxLeaseTtl), CreatedAt = Ms(m.CreatedAt) };

    public static RootConfigRecord Of(RootConfigRecord c) => c with
    {
        SecretKeyCiphertext = c.SecretKeyCiphertext?.ToArray(),
        StsFallbackEndpoints = c.StsFallbackEndpoints.ToArray(),
        StsFallbackRegions = c.StsFallbackRegions.ToArray(),
    };

    public static LeaseConfigRecord Of(LeaseConfigRecord c) => c with { Lease = Ms(c.Lease), LeaseMax = Ms(c.LeaseMax) };

    public static RoleRecord Of(RoleRecord r) => r with { UpdatedAt = Ms(r.UpdatedAt) };

    public static LeaseRecord Of(LeaseRecord l) => l with
    {
        IssueTime = Ms(l.IssueTime),
        ExpireTime = Ms(l.ExpireTime),
        MaxExpireTime = Ms(l.MaxExpireTime),
        LastRenewalTime = l.LastRenewalTime is { } renewed ? Ms(renewed) : null,
        Owner = l.Owner is { } owner ? Of(owner) : null,
    };

    public static StaticRoleRecord Of(StaticRoleRecord r) => r with
    {
        RotationPeriod = Ms(r.RotationPeriod),
        SecretKeyCiphertext = r.SecretKeyCiphertext.ToArray(),
        LastRotated = Ms(r.LastRotated),
        NextRotation = Ms(r.NextRotation),
    };

    public static LeaseOwner Of(LeaseOwner o) => o with
    {
        ProcessStart = Ms(o.ProcessStart),
        Deadline = o.Deadline is { } deadline ? Ms(deadline) : null,
    };

    /// <summary>
    /// Refuses a record that a read-modify-write change (<see cref="ILeaseStore.UpdateRootConfig"/>,
    /// <see cref="ILeaseStore.UpdateRole"/>) moved to another key: its <paramref name="what"/> must stay <paramref name="expected"/>.
    /// </summary>
    public static void CheckSameKey(string what, string expected, string actual)
    {
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The change returned a record whose {what} is '{actual}', not '{expected}'.", nameof(actual));
        }
    }

    private static DateTimeOffset Ms(DateTimeOffset t) => DateTimeOffset.FromUnixTimeMilliseconds(t.ToUnixTimeMilliseconds());

    private static TimeSpan Ms(TimeSpan t) => TimeSpan.FromMilliseconds((long)t.TotalMilliseconds);

    private static TimeSpan? Ms(TimeSpan? t) => t is { } v ? Ms(v) : null;
}
