using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Kinds;
using DynamicAwsCreds.Engine.Mounts;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Leases;

/// <summary>Makes the context a credential kind works in, for one mount, from what the engine's services share.</summary>
internal sealed class KindContexts(EngineContext context, MountService mounts)
{
    /// <summary>The mount's record as given (else read on first use), and its clients read on first use.</summary>
    public CredentialKindContext For(string mount, MountRecord? record = null) => new(
        record is null ? new Lazy<MountRecord>(() => mounts.Require(mount)) : new Lazy<MountRecord>(record),
        new Lazy<AwsApis>(() =>
        {
            var clients = context.Clients.For(mount);
            return new AwsApis(clients.Iam, clients.Sts);
        }),
        context.Store,
        context.Now,
        context.DisplayName,
        context.PropagationBudget,
        new Lazy<LeaseOwner>(() => context.Owners.NewOwner()))
    {
        Heartbeat = (leaseId, owner) => LeaseHeartbeat.Start(context.Store, leaseId, owner, context.Owners, context.Time),
    };
}
