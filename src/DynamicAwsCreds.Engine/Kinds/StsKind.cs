using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>
/// What the STS kinds share: Vault's STS TTL within AWS's 15 minutes to 12 hours, a lease that ends at the
/// credentials' own expiry and is not renewable, and a revoke that only forgets the lease (AWS cannot end STS
/// credentials early). Nothing is created in IAM, so there is nothing to roll back. Each kind adds the role fields
/// it refuses and its STS call.
/// </summary>
internal abstract class StsKind : ICredentialKind
{
    public static readonly TimeSpan MinTtl = TimeSpan.FromSeconds(900);
    public static readonly TimeSpan MaxTtl = TimeSpan.FromHours(12);

    public abstract string Name { get; }

    public bool KeyNeedsPropagation => false;

    /// <summary>The longest STS name the kind's call takes (a session name's, a federated user's).</summary>
    protected abstract int NameMaxLength { get; }

    /// <summary>Refuses the fields of other kinds that this kind does not take (the checks every STS kind makes follow).</summary>
    protected abstract void RefuseOtherFields(Role role);

    /// <summary>The kind's STS call, for <paramref name="duration"/>; <paramref name="name"/> is the generated session or federated-user name.</summary>
    protected abstract Task<StsCredentials> CallAsync(CredentialKindContext context, Role role, TimeSpan duration, StsOptions options, string name, CancellationToken ct);

    /// <summary>The assumed role's session ARN, kept on the lease by the kinds that have one.</summary>
    protected virtual string? LeaseRoleArn(StsCredentials credentials) => null;

    public void ValidateRole(Role role)
    {
        RefuseOtherFields(role);
        RoleFields.RefuseIamUserFields(role);
        foreach (var (value, field) in new[] { (role.DefaultStsTtl, "DefaultStsTtl"), (role.MaxStsTtl, "MaxStsTtl") })
        {
            if (value is { } ttl && (ttl < MinTtl || ttl > MaxTtl))
            {
                throw new EngineException("InvalidDuration", ErrorKind.InvalidArgument, ttl,
                    $"{field} must be between 15 minutes (900 s) and 12 hours, the limits AWS STS allows; it was {Durations.Format(ttl)}.");
            }
        }

        if (role.DefaultStsTtl is { } d && role.MaxStsTtl is { } m && d > m)
        {
            throw RoleFields.Invalid(role, $"DefaultStsTtl ({Durations.Format(d)}) must not be greater than MaxStsTtl ({Durations.Format(m)}).");
        }
    }

    public void ValidateRequest(CredentialKindContext context, CredentialRequest request)
    {
        if (request.Sts.RoleSessionName is { } session)
        {
            StsNames.ValidateSessionName(session);
        }

        Ttl(context, request.Role, request.Ttl);
    }

    /// <summary>STS TTL as Vault: -Ttl, else default_sts_ttl, else 1h; capped by max_sts_ttl, else the mount max; then AWS's 15 min to 12 h.</summary>
    public LeaseTerm Ttl(CredentialKindContext context, Role role, TimeSpan? requested)
    {
        var mount = context.Mount.Value;
        var ttl = requested is { } r && r > TimeSpan.Zero ? r : role.DefaultStsTtl ?? TimeSpan.FromHours(1);
        var max = role.MaxStsTtl ?? (mount.MaxLeaseTtl is { } m && m > TimeSpan.Zero ? m : null);
        if (max is { } cap && ttl > cap)
        {
            ttl = cap;
        }

        if (ttl < MinTtl || ttl > MaxTtl)
        {
            throw new EngineException("InvalidDuration", ErrorKind.InvalidArgument, requested ?? ttl,
                $"STS credentials last between 15 minutes and 12 hours; {Durations.Format(ttl)} is outside that. Pass -Ttl within it (or change the role's -DefaultStsTtl/-MaxStsTtl).");
        }

        return new LeaseTerm(ttl, ttl);
    }

    /// <summary>Calls STS, then records the lease until the credentials' expiry; the row is committed before they are handed out.</summary>
    public async Task<IssuedCredential> IssueAsync(CredentialKindContext context, CredentialRequest request, CancellationToken ct)
    {
        var mount = context.Mount.Value;
        var role = request.Role;
        var now = context.Clock();
        var template = context.Store.GetRootConfig(mount.Path)?.UsernameTemplate;
        var ttl = Ttl(context, role, request.Ttl).Ttl;
        var leaseId = LeaseIds.New(mount.Path, role.Name);
        var name = StsNames.Generate(template, context.DisplayName, role, now, NameMaxLength);
        var credentials = await CallAsync(context, role, ttl, request.Sts, name, ct).ConfigureAwait(false);

        var lease = new LeaseRecord(
            leaseId, mount.Path, role.Name, Name, LeaseState.Active, now, credentials.Expiration, credentials.Expiration, null,
            Renewable: false, null, credentials.AccessKeyId, LeaseRoleArn(credentials), null);
        if (!context.Store.InsertLeaseUnderEnabledMount(lease))
        {
            throw KindErrors.MountClosed(lease.Mount);
        }

        return new IssuedCredential(lease, credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken, ttl);
    }

    public Task<RenewResult> RenewAsync(CredentialKindContext context, LeaseRecord lease, TimeSpan? increment, CancellationToken ct) =>
        Task.FromException<RenewResult>(KindErrors.NotRenewable(lease));

    /// <summary>STS credentials cannot be revoked early in AWS; forgetting the lease is all there is.</summary>
    public Task<RevokeOutcome> RevokeAsync(CredentialKindContext context, LeaseRecord lease, CancellationToken ct)
    {
        context.Store.DeleteLease(lease.LeaseId);
        return Task.FromResult(new RevokeOutcome(lease.LeaseId, RevokeStatus.Revoked, null, null));
    }
}
