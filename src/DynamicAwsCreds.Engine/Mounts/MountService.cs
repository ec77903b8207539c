using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Mounts;

/// <summary>Secrets engines enabled at paths: enabling one, finding one, and what the cmdlets show of them.</summary>
internal sealed class MountService(EngineContext context)
{
    /// <summary>Enable-SecretsEngine: the store adds the mount only if none is at or nests with the path, as one step, so two overlapping mounts cannot both win.</summary>
    public MountInfo Enable(string type, string? path, string? description, TimeSpan? defaultLeaseTtl, TimeSpan? maxLeaseTtl)
    {
        var t = Mount.NormalizeType(type);
        var p = Mount.NormalizePath(path ?? Mount.DefaultPath);
        CheckTtlPair(defaultLeaseTtl, maxLeaseTtl, "DefaultLeaseTtl", "MaxLeaseTtl");
        var record = new MountRecord(p, t, description, defaultLeaseTtl, maxLeaseTtl, context.Now());
        // As Vault, mounts may not nest: a prefix revoke of one would reach into the other.
        if (context.Store.AddMount(record) is { } clash)
        {
            throw new EngineException("PathInUse", ErrorKind.ResourceExists, p, clash.Path == p
                ? $"A secrets engine is already enabled at '{p}'. Choose another -Path, or Disable-SecretsEngine '{p}' first."
                : $"'{p}' overlaps the secrets engine enabled at '{clash.Path}'. Secrets engines may not be nested; choose another -Path.");
        }

        return Info(record);
    }

    public IReadOnlyList<MountInfo> List() => context.Store.ListMounts().Select(Info).ToList();

    public MountInfo Get(string? path) => Info(Require(path));

    /// <summary>The mount's leases that would be revoked by disabling it.</summary>
    public int CountLeases(string? path) => context.Store.ListLeasesByPrefix(LeasePrefix(Require(path).Path)).Count;

    /// <summary>Where the lease ids of a mount start.</summary>
    public static string LeasePrefix(string mount) => mount + "/creds/";

    /// <summary>The mount at <paramref name="path"/> (default: aws); MountNotFound when none is enabled there.</summary>
    public MountRecord Require(string? path)
    {
        var p = Mount.NormalizePath(path ?? Mount.DefaultPath);
        return context.Store.GetMount(p) ?? throw new EngineException("MountNotFound", ErrorKind.ObjectNotFound, p,
            $"No secrets engine is enabled at '{p}'. Run: Enable-SecretsEngine aws{(p == Mount.DefaultPath ? string.Empty : $" -Path {p}")}");
    }

    /// <summary>The mount was disabled by another process between the check and the write.</summary>
    public static EngineException Gone(string path) =>
        new("MountNotFound", ErrorKind.ObjectNotFound, path, $"The secrets engine at '{path}' was disabled while this command ran; nothing was written.");

    private MountInfo Info(MountRecord m) =>
        new(m.Path, m.Type, m.Description, m.DefaultLeaseTtl, m.MaxLeaseTtl, context.Store.CountLeases(m.Path), m.CreatedAt, context.StoreLocation, context.Store.StoreId)
        {
            StoreKind = context.StoreKind,
        };

    private static void CheckTtlPair(TimeSpan? ttl, TimeSpan? max, string ttlName, string maxName)
    {
        if (ttl is { } a)
        {
            Durations.Validate(a, ttlName);
        }

        if (max is { } b)
        {
            Durations.Validate(b, maxName);
        }

        if (ttl is { } t && max is { } m && m > TimeSpan.Zero && t > m)
        {
            throw new EngineException("InvalidDuration", ErrorKind.InvalidArgument, t,
                $"{ttlName} ({Durations.Format(t)}) must not be greater than {maxName} ({Durations.Format(m)}).");
        }
    }
}
