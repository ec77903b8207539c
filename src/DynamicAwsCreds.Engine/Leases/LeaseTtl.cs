using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Leases;

/// <summary>How long a lease lasts, by Vault's rules for each credential type.</summary>
internal static class LeaseTtl
{
    /// <summary>STS TTL as Vault: -Ttl, else default_sts_ttl, else 1h; capped by max_sts_ttl, else the mount max; then AWS's 15 min to 12 h.</summary>
    public static TimeSpan StsTtl(MountRecord mount, Role role, TimeSpan? requested)
    {
        var ttl = requested is { } r && r > TimeSpan.Zero ? r : role.DefaultStsTtl ?? TimeSpan.FromHours(1);
        var max = role.MaxStsTtl ?? (mount.MaxLeaseTtl is { } m && m > TimeSpan.Zero ? m : null);
        if (max is { } cap && ttl > cap)
        {
            ttl = cap;
        }

        if (ttl < RoleRules.MinStsTtl || ttl > RoleRules.MaxStsTtlLimit)
        {
            throw new EngineException("InvalidDuration", ErrorKind.InvalidArgument, requested ?? ttl,
                $"STS credentials last between 15 minutes and 12 hours; {Durations.Format(ttl)} is outside that. Pass -Ttl within it (or change the role's -DefaultStsTtl/-MaxStsTtl).");
        }

        return ttl;
    }

    /// <summary>Vault's iam_user TTL: config/lease, else the mount default, else 768h; capped by lease_max, the mount max and 768h.</summary>
    public static (TimeSpan Ttl, TimeSpan Max) IamUserTtl(MountRecord mount, LeaseConfigRecord? leaseConfig, TimeSpan? requested)
    {
        var max = Durations.MaxLeaseTtl;
        foreach (var cap in new[] { leaseConfig?.LeaseMax, mount.MaxLeaseTtl })
        {
            if (cap is { } c && c > TimeSpan.Zero && c < max)
            {
                max = c;
            }
        }

        var ttl = requested is { } r && r > TimeSpan.Zero ? r
            : leaseConfig?.Lease is { } l && l > TimeSpan.Zero ? l
            : mount.DefaultLeaseTtl is { } d && d > TimeSpan.Zero ? d
            : Durations.DefaultLeaseTtl;
        return (ttl < max ? ttl : max, max);
    }
}
