using DynamicAwsCreds.Engine.Mounts;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Leases;

/// <summary>Vault's config/lease: the iam_user lease duration and its maximum, per mount.</summary>
internal sealed class LeaseConfigService(EngineContext context, MountService mounts)
{
    public LeaseConfigRecord Set(string? path, TimeSpan lease, TimeSpan leaseMax)
    {
        var mount = mounts.Require(path);
        Durations.Validate(lease, "Lease");
        Durations.Validate(leaseMax, "LeaseMax");
        if (lease > leaseMax)
        {
            throw new EngineException("InvalidDuration", ErrorKind.InvalidArgument, lease,
                $"Lease ({Durations.Format(lease)}) must not be greater than LeaseMax ({Durations.Format(leaseMax)}).");
        }

        var record = new LeaseConfigRecord(mount.Path, lease, leaseMax);
        context.Store.PutLeaseConfig(record);
        return record;
    }

    public LeaseConfigRecord? Get(string? path) => context.Store.GetLeaseConfig(mounts.Require(path).Path);
}
