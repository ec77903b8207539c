using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>
/// iam_user: a fresh IAM user with the role's policies, groups and an access key (<see cref="IamUserIssuer"/>),
/// renewable up to its max TTL by rewriting its expiry guard, revoked by deleting the user (<see cref="Revoker"/>).
/// </summary>
internal sealed class IamUserKind : ICredentialKind
{
    public const string TypeName = "iam_user";

    public string Name => TypeName;

    public bool KeyNeedsPropagation => true;

    public void ValidateRole(Role role)
    {
        var problems = new RoleProblems(role);

        // The user also carries the expiry guard, and the two share IAM's per-user budget.
        var guardLength = ExpiryGuard.Length(role.Mount, role.Name);
        if (role.PolicyDocument is { } document && document.Length + guardLength > RoleRules.UserInlinePolicyLimit)
        {
            problems.Add(new EngineException("PolicyDocumentTooLarge", ErrorKind.InvalidArgument, "PolicyDocument",
                $"The policy document is {document.Length} characters without whitespace; with the expiry guard every issued user carries, an iam_user role's document may have at most {RoleRules.UserInlinePolicyLimit - guardLength} (IAM allows {RoleRules.UserInlinePolicyLimit} for all of a user's inline policies)."));
        }

        RoleFields.RefuseRoleArns(role, problems);
        RoleFields.RefuseStsTtls(role, problems);
        RoleFields.RefuseAssumeRoleFields(role, problems);
        problems.ThrowIfAny();
    }

    public void ValidateRequest(CredentialKindContext context, CredentialRequest request)
    {
        var sts = request.Sts;
        if (sts.RoleArn is not null || sts.RoleSessionName is not null || sts.MfaCode is not null)
        {
            throw new EngineException("InvalidRoleParameter", ErrorKind.InvalidArgument, request.Role.Name,
                $"-RoleArn, -RoleSessionName and -MfaCode apply to STS roles; '{request.Role.Name}' issues iam_user credentials.");
        }
    }

    public LeaseTerm Ttl(CredentialKindContext context, Role role, TimeSpan? requested) => Term(context, context.Mount.Value, requested);

    /// <summary>Vault's iam_user TTL: config/lease, else the mount default, else 768h; capped by lease_max, the mount max and 768h.</summary>
    private static LeaseTerm Term(CredentialKindContext context, MountRecord mount, TimeSpan? requested)
    {
        var leaseConfig = context.Store.GetLeaseConfig(mount.Path);
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
        return new LeaseTerm(ttl < max ? ttl : max, max);
    }

    /// <summary>Makes the intent (a fresh user name, owned by this host and process with a deadline) and hands it to <see cref="IamUserIssuer"/>, which records it before CreateUser.</summary>
    public Task<IssuedCredential> IssueAsync(CredentialKindContext context, CredentialRequest request, CancellationToken ct)
    {
        var mount = context.Mount.Value;
        var role = request.Role;
        var now = context.Clock();
        var template = context.Store.GetRootConfig(mount.Path)?.UsernameTemplate;
        var term = Term(context, mount, request.Ttl);
        var userName = StsNames.GenerateUserName(template, context.DisplayName, role, now);
        var intent = new LeaseRecord(
            LeaseIds.New(mount.Path, role.Name), mount.Path, role.Name, Name, LeaseState.Pending,
            now, now + term.Ttl, now + term.Max, null, Renewable: true, userName, null, null, context.Owner.Value);
        return IamUserIssuer.IssueAsync(context.Iam, context.Store, role, intent, ct, context.PropagationBudget, context.Heartbeat);
    }

    /// <summary>
    /// The new expiry is now + the increment (default: the mount's iam_user lease), capped at issue time + max TTL.
    /// Rewrites the expiry guard first, so AWS and the store agree; no other AWS call.
    /// </summary>
    public async Task<RenewResult> RenewAsync(CredentialKindContext context, LeaseRecord lease, TimeSpan? increment, CancellationToken ct)
    {
        if (!lease.Renewable || lease.UserName is null)
        {
            throw KindErrors.NotRenewable(lease);
        }

        var now = context.Clock();
        if (lease.ExpireTime <= now)
        {
            throw new EngineException("LeaseExpired", ErrorKind.InvalidOperation, lease.LeaseId,
                $"Lease {lease.LeaseId} expired at {lease.ExpireTime:u} and can no longer be renewed. Revoke it (Revoke-Lease -Expired) and get new credentials.");
        }

        if (increment is { } inc)
        {
            Durations.Validate(inc, "Increment");
        }

        var mount = context.Mount.Value;
        var wanted = now + (increment is { } i && i > TimeSpan.Zero ? i : Term(context, mount, null).Ttl);
        var capped = wanted > lease.MaxExpireTime;
        var expiry = capped ? lease.MaxExpireTime : wanted;

        var guard = ExpiryGuard.Document(new OwnershipMarker(context.Store.StoreId, lease.LeaseId, expiry));
        await context.Iam.PutUserPolicyAsync(lease.UserName, ExpiryGuard.PolicyName, guard, ct).ConfigureAwait(false);
        if (!context.Store.UpdateLeaseExpiry(lease.LeaseId, expiry, now))
        {
            throw new EngineException("LeaseNotFound", ErrorKind.ObjectNotFound, lease.LeaseId,
                $"Lease {lease.LeaseId} was revoked while it was being renewed.");
        }

        return new RenewResult(context.Store.GetLease(lease.LeaseId)!, capped);
    }

    /// <summary>Deletes the user and all that is attached to it through the one cleanup path; a user already gone counts as revoked.</summary>
    public async Task<RevokeOutcome> RevokeAsync(CredentialKindContext context, LeaseRecord lease, CancellationToken ct)
    {
        if (lease.UserName is null)
        {
            context.Store.DeleteLease(lease.LeaseId);
            return new RevokeOutcome(lease.LeaseId, RevokeStatus.Revoked, null, null);
        }

        var result = await Revoker.DeleteUserAsync(context.Iam, lease.UserName, ct, propagationBudget: context.PropagationBudget).ConfigureAwait(false);
        context.Store.DeleteLease(lease.LeaseId);
        return new RevokeOutcome(lease.LeaseId, result == UserCleanup.Deleted ? RevokeStatus.Revoked : RevokeStatus.AlreadyGone, lease.UserName, null);
    }
}
