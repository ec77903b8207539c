using DynamicAwsCreds.Engine.Stores;

namespace DynamicAwsCreds;

/// <summary>What Copy-LeaseStore copied from a SQLite store into a shared one, and what it left behind.</summary>
public sealed class LeaseStoreCopy
{
    internal LeaseStoreCopy(StoreCopySummary s)
    {
        Source = s.Source;
        Destination = s.Destination;
        StoreId = s.StoreId;
        Mounts = [.. s.Mounts];
        Roles = s.Roles;
        Leases = s.Leases;
        SkippedIntents = s.SkippedIntents;
        SkippedCacheEntries = s.SkippedCacheEntries;
        ExpiredLeases = s.ExpiredLeases;
        RootKeys = s.RootKeys.ToString();
        Added = s.Added;
    }

    public string Source { get; }
    public string Destination { get; }

    /// <summary>The store id both stores now share: the ownership marker of every IAM user the source issued names it.</summary>
    public string StoreId { get; }

    /// <summary>The mount paths copied (the destination keeps any it already had as they were).</summary>
    public string[] Mounts { get; }

    public int Roles { get; }

    /// <summary>Live leases copied: active and not yet expired.</summary>
    public int Leases { get; }

    /// <summary>Intents (issues in progress) left in the source.</summary>
    public int SkippedIntents { get; }

    /// <summary>credential_process cache entries left in the source.</summary>
    public int SkippedCacheEntries { get; }

    /// <summary>Expired leases left in the source, for its Revoke-Lease -Expired.</summary>
    public int ExpiredLeases { get; }

    /// <summary>Resealed (with KMS), DefaultChain (keys left behind) or None (no root config held keys).</summary>
    public string RootKeys { get; }

    /// <summary>Mounts, roles and leases the destination did not hold before this copy.</summary>
    public int Added { get; }

    /// <summary>The -WhatIf and -Confirm line: what would be copied, per kind, and what not.</summary>
    internal static string Describe(StoreCopySummary s)
    {
        var mounts = s.Mounts.Count == 0 ? "0 mounts" : $"{s.Mounts.Count} mount(s) ({string.Join(", ", s.Mounts)})";
        var keys = s.RootKeys switch
        {
            RootKeyCopy.Resealed => "root keys sealed again with KMS",
            RootKeyCopy.DefaultChain => "root configs without their keys (default credential chain)",
            _ => "no root keys",
        };
        return $"Copy store {s.StoreId} from '{s.Source}': {mounts}, {s.Roles} role(s), {s.Leases} live lease(s), {keys}; "
            + $"not copied: {s.SkippedIntents} intent(s), {s.SkippedCacheEntries} cache entr(ies), {s.ExpiredLeases} expired lease(s)";
    }

    public override string ToString() => $"{Source} -> {Destination}";
}
