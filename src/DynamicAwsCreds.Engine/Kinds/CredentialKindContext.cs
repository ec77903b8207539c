using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>
/// What a credential kind works with, for one mount: the mount's record, its AWS clients, the store, the clock, the
/// display name that generated names are made from, how long to wait for IAM to show what was just
/// made, and the owner (this host and process, with a deadline) of the intents it writes. The record, the clients and the owner are lazy: a
/// step that needs none of them (checking a request, forgetting an STS lease) never resolves them.
/// </summary>
public sealed record CredentialKindContext(
    Lazy<MountRecord> Mount,
    Lazy<AwsApis> Aws,
    ILeaseStore Store,
    Func<DateTimeOffset> Clock,
    string DisplayName,
    TimeSpan PropagationBudget,
    Lazy<LeaseOwner> Owner)
{
    /// <summary>
    /// Starts moving the deadline of an intent this context's <see cref="Owner"/> holds on, until stopped; null (a
    /// context made without one) writes no heartbeats.
    /// </summary>
    internal Func<string, LeaseOwner, LeaseHeartbeat>? Heartbeat { get; init; }

    public IIamApi Iam => Aws.Value.Iam;

    public IStsApi Sts => Aws.Value.Sts;
}
