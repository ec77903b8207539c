using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>
/// What the STS kinds share: Vault's STS TTL within the range the kind's STS action takes, a lease that ends at the
/// credentials' own expiry and is not renewable, and a revoke that only forgets the lease (AWS cannot end STS
/// credentials early). Nothing is created in IAM, so there is nothing to roll back. Each kind adds the role fields
/// it refuses, its duration range, the name it sends and its STS call.
/// </summary>
internal abstract class StsKind : ICredentialKind
{
    /// <summary>The shortest DurationSeconds every STS action takes.</summary>
    public static readonly TimeSpan MinTtl = TimeSpan.FromSeconds(900);

    public abstract string Name { get; }

    public bool KeyNeedsPropagation => false;

    /// <summary>
    /// The longest DurationSeconds the kind's STS action takes from any caller (AssumeRole 12 h; GetFederationToken and
    /// GetSessionToken 36 h). Limits only AWS knows (a role's MaxSessionDuration, role chaining, the account root
    /// user's 1 h) are left to AWS, whose refusal <see cref="DurationRefused"/> words.
    /// </summary>
    protected abstract TimeSpan MaxTtl { get; }

    /// <summary>The longest TTL AWS STS allows this kind's action.</summary>
    public TimeSpan LongestTtl => MaxTtl;

    /// <summary>What to try when AWS refuses a duration the pre-check let through.</summary>
    protected abstract string DurationHint { get; }

    /// <summary>Refuses the fields of other kinds that this kind does not take (the checks every STS kind makes follow).</summary>
    protected abstract void RefuseOtherFields(Role role, RoleProblems problems);

    /// <summary>
    /// The name the kind's call sends (a session name, a federated user's name), rendered from the mount's username
    /// template; null when the call takes none.
    /// </summary>
    protected abstract string? PrincipalName(string? template, string displayName, Role role, StsOptions options, DateTimeOffset now);

    /// <summary>The kind's STS call, for <paramref name="duration"/>; <paramref name="name"/> is the generated session or federated-user name.</summary>
    protected abstract Task<StsCredentials> CallAsync(CredentialKindContext context, Role role, TimeSpan duration, StsOptions options, string? name, CancellationToken ct);

    /// <summary>The assumed role's session ARN, kept on the lease by the kinds that have one.</summary>
    protected virtual string? LeaseRoleArn(StsCredentials credentials) => null;

    public void ValidateRole(Role role)
    {
        var problems = new RoleProblems(role);
        RefuseOtherFields(role, problems);
        RoleFields.RefuseIamUserFields(role, problems);
        foreach (var (value, field) in new[] { (role.DefaultStsTtl, "DefaultStsTtl"), (role.MaxStsTtl, "MaxStsTtl") })
        {
            if (value is { } ttl && (ttl < MinTtl || ttl > MaxTtl))
            {
                problems.Add(new EngineException("InvalidDuration", ErrorKind.InvalidArgument, ttl,
                    $"{field} must be between 15 minutes (900 s) and {Durations.Format(MaxTtl)}, the limits AWS STS allows for {Name}; it was {Durations.Format(ttl)}."));
            }
        }

        if (role.DefaultStsTtl is { } d && role.MaxStsTtl is { } m && d > m)
        {
            problems.Add($"DefaultStsTtl ({Durations.Format(d)}) must not be greater than MaxStsTtl ({Durations.Format(m)}).");
        }

        problems.ThrowIfAny();
    }

    public void ValidateRequest(CredentialKindContext context, CredentialRequest request)
    {
        if (request.Sts.RoleSessionName is { } session)
        {
            StsNames.ValidateSessionName(session);
        }

        Ttl(context, request.Role, request.Ttl);
    }

    /// <summary>STS TTL as Vault: -Ttl, else default_sts_ttl, else 1h; capped by max_sts_ttl, else the mount max; then the kind's STS range.</summary>
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
                $"{Name} credentials last between 15 minutes and {Durations.Format(MaxTtl)}; {Durations.Format(ttl)} is outside that. Pass -Ttl within it (or change the role's -DefaultStsTtl/-MaxStsTtl).");
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
        var name = PrincipalName(template, context.DisplayName, role, request.Sts, now);
        StsCredentials credentials;
        try
        {
            credentials = await CallAsync(context, role, ttl, request.Sts, name, ct).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.Code == "ValidationError" && ex.AwsMessage.Contains("DurationSeconds", StringComparison.OrdinalIgnoreCase))
        {
            throw DurationRefused(ex, ttl);
        }

        var lease = new LeaseRecord(
            leaseId, mount.Path, role.Name, Name, LeaseState.Active, now, credentials.Expiration, credentials.Expiration, null,
            Renewable: false, null, credentials.AccessKeyId, LeaseRoleArn(credentials), null);
        if (!context.Store.InsertLeaseUnderEnabledMount(lease))
        {
            throw KindErrors.MountClosed(lease.Mount);
        }

        return new IssuedCredential(lease, credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken, ttl);
    }

    /// <summary>AWS refused the duration for a reason only it knows: InvalidDuration, with AWS's code and message and what to try.</summary>
    private EngineException DurationRefused(AwsServiceException ex, TimeSpan ttl) =>
        new("InvalidDuration", ErrorKind.InvalidArgument, ttl,
            $"AWS STS {ex.Action} refused a duration of {Durations.Format(ttl)}: {ex.Code}: {ex.AwsMessage} {DurationHint}", ex)
        {
            AwsCode = ex.Code,
        };

    public Task<RenewResult> RenewAsync(CredentialKindContext context, LeaseRecord lease, TimeSpan? increment, CancellationToken ct) =>
        Task.FromException<RenewResult>(KindErrors.NotRenewable(lease));

    /// <summary>STS credentials cannot be revoked early in AWS; forgetting the lease is all there is.</summary>
    public Task<RevokeOutcome> RevokeAsync(CredentialKindContext context, LeaseRecord lease, CancellationToken ct)
    {
        context.Store.DeleteLease(lease.LeaseId);
        return Task.FromResult(new RevokeOutcome(lease.LeaseId, RevokeStatus.Revoked, null, null));
    }
}
