using DynamicAwsCreds.Engine.Aws;

namespace DynamicAwsCreds.Engine.Revoke;

public enum UserCleanup
{
    Deleted,
    AlreadyGone,
}

/// <summary>
/// Deletes an IAM user and everything attached to it. The one cleanup path: revoking a lease and
/// rolling back a half-made user both come here, so whatever issuing can create, this removes.
/// Three round trips: every List at once, every removal at once, then DeleteUser; only when IAM
/// answers DeleteConflict does it go after the kinds issuing never creates.
/// IAM is eventually consistent, so a round that found the user and then met NoSuchEntity, or that still met
/// DeleteConflict, is tried again within <see cref="IamPropagation"/>'s budget: the next round's Lists tell a user
/// that is really gone (NoSuchEntity from all of them: already gone, as ever) from one that has not reached every
/// IAM server yet, and an attachment made moments ago shows up in them.
/// </summary>
public static class Revoker
{
    // Answers to the clean-up calls outside the README's root policy (login profile, MFA, SSH keys, certificates,
    // service credentials) that mean "nothing of that kind to remove": refused under that policy, or unknown.
    private static readonly HashSet<string> OptionalCallRefusals =
        new(StringComparer.Ordinal) { "AccessDenied", "AccessDeniedException", "InvalidAction", "UnknownOperation", "UnsupportedOperation", "NotImplemented" };

    public const int MaxThrottleLimit = 64;

    public static int ValidateThrottleLimit(int throttleLimit)
    {
        if (throttleLimit is < 1 or > MaxThrottleLimit)
        {
            throw new EngineException("InvalidThrottleLimit", ErrorKind.InvalidArgument, throttleLimit,
                $"ThrottleLimit must be between 1 and {MaxThrottleLimit}; it was {throttleLimit}.");
        }

        return throttleLimit;
    }

    /// <param name="justCreated">
    /// CreateUser answered for this user moments ago (the rollback of a failed issue): NoSuchEntity then means IAM
    /// does not show the user yet, so it is waited for within the budget rather than taken as "already gone".
    /// </param>
    public static async Task<UserCleanup> DeleteUserAsync(
        IIamApi iam, string userName, CancellationToken ct, bool justCreated = false, TimeSpan? propagationBudget = null)
    {
        var propagation = new IamPropagation(propagationBudget);
        for (var retry = 0; ; retry++)
        {
            var round = new Round();
            TimeSpan wait;
            try
            {
                await DeleteOnceAsync(iam, userName, round, ct).ConfigureAwait(false);
                return UserCleanup.Deleted;
            }
            catch (AwsServiceException ex) when (ex.IsNoSuchEntity)
            {
                // The user itself is missing (a List or DeleteUser said so). Gone, so revoking is idempotent, unless
                // this round had just found it or CreateUser has just made it: then look again.
                if (!(round.FoundUser || justCreated) || propagation.NextWait(retry) is not { } next)
                {
                    return UserCleanup.AlreadyGone;
                }

                wait = next;
            }
            catch (AwsServiceException ex) when (ex.Code == "DeleteConflict" && propagation.NextWait(retry) is { } next)
            {
                // Something attached moments ago is not in the Lists yet.
                wait = next;
            }

            await Task.Delay(wait, ct).ConfigureAwait(false);
        }
    }

    private sealed class Round
    {
        public bool FoundUser { get; set; }
    }

    private static async Task DeleteOnceAsync(IIamApi iam, string userName, Round round, CancellationToken ct)
    {
        await RemoveIssuedAttachmentsAsync(iam, userName, round, ct).ConfigureAwait(false);
        try
        {
            await iam.DeleteUserAsync(userName, ct).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.Code == "DeleteConflict")
        {
            // Something issuing never makes was added by hand (or appeared meanwhile): remove every kind, then delete.
            await RemoveIssuedAttachmentsAsync(iam, userName, round, ct).ConfigureAwait(false);
            await RemoveOtherAttachmentsAsync(iam, userName, ct).ConfigureAwait(false);
            await iam.DeleteUserAsync(userName, ct).ConfigureAwait(false);
        }
    }

    /// <summary>What issuing can attach — groups, inline and managed policies, access keys — listed at once, removed at once.</summary>
    private static async Task RemoveIssuedAttachmentsAsync(IIamApi iam, string userName, Round round, CancellationToken ct)
    {
        var groups = iam.ListGroupsForUserAsync(userName, ct);
        var inline = iam.ListUserPoliciesAsync(userName, ct);
        var attached = iam.ListAttachedUserPoliciesAsync(userName, ct);
        var keys = iam.ListAccessKeysAsync(userName, ct);
        try
        {
            await TaskGroup.WhenAllThenFirstError([groups, inline, attached, keys]).ConfigureAwait(false);
        }
        finally
        {
            round.FoundUser |= groups.IsCompletedSuccessfully || inline.IsCompletedSuccessfully || attached.IsCompletedSuccessfully || keys.IsCompletedSuccessfully;
        }

        var removals = new List<Task>();
        removals.AddRange(groups.Result.Select(g => Gone(iam.RemoveUserFromGroupAsync(userName, g, ct))));
        removals.AddRange(inline.Result.Select(p => Gone(iam.DeleteUserPolicyAsync(userName, p, ct))));
        removals.AddRange(attached.Result.Select(p => Gone(iam.DetachUserPolicyAsync(userName, p.PolicyArn, ct))));
        removals.AddRange(keys.Result.Select(k => Gone(iam.DeleteAccessKeyAsync(k.AccessKeyId, userName, ct))));
        await TaskGroup.WhenAllThenFirstError(removals).ConfigureAwait(false);
    }

    /// <summary>Login profile, MFA devices, SSH keys, signing certificates, service-specific credentials.</summary>
    private static async Task RemoveOtherAttachmentsAsync(IIamApi iam, string userName, CancellationToken ct)
    {
        var mfa = Optional(() => iam.ListMfaDeviceSerialsAsync(userName, ct));
        var ssh = Optional(() => iam.ListSshPublicKeyIdsAsync(userName, ct));
        var certs = Optional(() => iam.ListSigningCertificateIdsAsync(userName, ct));
        var serviceCreds = Optional(() => iam.ListServiceSpecificCredentialIdsAsync(userName, ct));
        await TaskGroup.WhenAllThenFirstError([mfa, ssh, certs, serviceCreds]).ConfigureAwait(false);

        var removals = new List<Task>
        {
            Gone(OptionalTask(() => iam.DeleteLoginProfileAsync(userName, ct))),
        };
        removals.AddRange(mfa.Result.Select(s => Gone(iam.DeactivateMfaDeviceAsync(userName, s, ct))));
        removals.AddRange(ssh.Result.Select(id => Gone(iam.DeleteSshPublicKeyAsync(userName, id, ct))));
        removals.AddRange(certs.Result.Select(id => Gone(iam.DeleteSigningCertificateAsync(userName, id, ct))));
        removals.AddRange(serviceCreds.Result.Select(id => Gone(iam.DeleteServiceSpecificCredentialAsync(userName, id, ct))));
        await TaskGroup.WhenAllThenFirstError(removals).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<string>> Optional(Func<Task<IReadOnlyList<string>>> list)
    {
        try
        {
            return await list().ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (OptionalCallRefusals.Contains(ex.Code))
        {
            return [];
        }
    }

    private static async Task OptionalTask(Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (OptionalCallRefusals.Contains(ex.Code))
        {
        }
    }

    /// <summary>A removal whose target is already gone has done its job.</summary>
    private static async Task Gone(Task removal)
    {
        try
        {
            await removal.ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.IsNoSuchEntity)
        {
        }
    }
}
