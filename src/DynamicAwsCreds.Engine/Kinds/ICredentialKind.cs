using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>
/// One credential_type: which role fields it takes, how long its leases last, and how its credentials are issued,
/// renewed and revoked. <see cref="CredentialKinds"/> finds a kind by its name; AWS errors pass through unchanged
/// (the engine turns them into EngineExceptions).
/// </summary>
public interface ICredentialKind
{
    /// <summary>The credential_type stored on roles and leases, as Vault spells it.</summary>
    string Name { get; }

    /// <summary>True when a new credential's key takes seconds to work everywhere (an IAM access key); STS credentials work at once.</summary>
    bool KeyNeedsPropagation { get; }

    /// <summary>Refuses role fields this kind does not take and combinations AWS does not allow (Set-AwsRole).</summary>
    void ValidateRole(Role role);

    /// <summary>Checks a request for a role of this kind before anything is written or AWS is called.</summary>
    void ValidateRequest(CredentialKindContext context, CredentialRequest request);

    /// <summary>The lease's TTL and max TTL for a request on the context's mount; <paramref name="requested"/> is -Ttl.</summary>
    LeaseTerm Ttl(CredentialKindContext context, Role role, TimeSpan? requested);

    /// <summary>Makes the credential in AWS and records its lease (committed before the secrets are returned).</summary>
    Task<IssuedCredential> IssueAsync(CredentialKindContext context, CredentialRequest request, CancellationToken ct);

    /// <summary>Vault's lease renew; <paramref name="increment"/> is -Increment.</summary>
    Task<RenewResult> RenewAsync(CredentialKindContext context, LeaseRecord lease, TimeSpan? increment, CancellationToken ct);

    /// <summary>Ends the credential in AWS where AWS can, then forgets the lease.</summary>
    Task<RevokeOutcome> RevokeAsync(CredentialKindContext context, LeaseRecord lease, CancellationToken ct);
}

/// <summary>A credential request: the role, -Ttl and the STS options (-RoleArn, -RoleSessionName, -MfaCode).</summary>
public sealed record CredentialRequest(Role Role, TimeSpan? Ttl, StsOptions Sts);

/// <summary>How long a lease lasts from its issue (<see cref="Ttl"/>) and how far renewing may take it (<see cref="Max"/>).</summary>
public readonly record struct LeaseTerm(TimeSpan Ttl, TimeSpan Max);
