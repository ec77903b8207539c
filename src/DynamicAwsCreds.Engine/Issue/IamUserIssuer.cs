using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Kinds;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Issue;

/// <summary>
/// Issues an iam_user credential: intent row, CreateUser, then every attachment and the access key at
/// once, then the lease row is made active. Any failure rolls back through <see cref="Revoker"/>.
/// The calls after CreateUser retry NoSuchEntity while the new user propagates through IAM (<see cref="NewUserCalls"/>).
/// While the intent is pending a heartbeat moves its owner's deadline on, so no host takes over an issue at work;
/// activation names that owner, so an issue another host took over (its deadline had passed) is refused and rolls back.
/// </summary>
internal static class IamUserIssuer
{
    /// <param name="heartbeat">Starts the intent's heartbeat (null: none, the intent keeps the deadline it was written with).</param>
    public static async Task<IssuedCredential> IssueAsync(
        IIamApi iam, ILeaseStore store, Role role, LeaseRecord intent, CancellationToken ct, TimeSpan? propagationBudget = null,
        Func<string, LeaseOwner, LeaseHeartbeat>? heartbeat = null)
    {
        var userName = intent.UserName!;
        if (!store.InsertLeaseUnderEnabledMount(intent))
        {
            throw KindErrors.MountClosed(intent.Mount);
        }

        await using var beat = intent.Owner is { } writtenAs && heartbeat is not null ? heartbeat(intent.LeaseId, writtenAs) : null;
        var userCreated = false;
        try
        {
            await CreateUserAsync(iam, role, userName, ct).ConfigureAwait(false);
            userCreated = true;

            // Crash safety with the store write beside the calls. The intent row was written before CreateUser, so
            // whatever happens from here a row names the user, and recovery looks at it. Recording CreateUser's answer
            // (MarkUserCreated) only adds a proof that the user is this store's; it need not come before the calls on
            // the user, so it runs alongside them. Activation waits for all of them and for that write: nothing is
            // handed out, and no lease turns active, before the store knows the user is ours and IAM holds all of it.
            // A crash before the write lands leaves the proof to the ownership marker (the expiry guard, one of the
            // calls below); if neither landed, recovery leaves the user alone with a warning naming it, as it did for
            // a crash between CreateUser's answer and the write when they ran one after the other, and the access
            // key's secret never left this process.
            var calls = new NewUserCalls(userName, new IamPropagation(propagationBudget));
            var attachments = new List<Task> { Task.Run(() => store.MarkUserCreated(intent.LeaseId), CancellationToken.None) };
            attachments.AddRange(role.PolicyArns.Select(arn => calls.RunAsync(() => iam.AttachUserPolicyAsync(userName, arn, ct), ct)));
            if (role.PolicyDocument is not null)
            {
                attachments.Add(calls.RunAsync(() => iam.PutUserPolicyAsync(userName, role.Name, role.PolicyDocument, ct), ct));
            }

            var marker = new OwnershipMarker(store.StoreId, intent.LeaseId, intent.ExpireTime);
            attachments.Add(calls.RunAsync(() => iam.PutUserPolicyAsync(userName, ExpiryGuard.PolicyName, ExpiryGuard.Document(marker), ct), ct));
            attachments.AddRange(role.IamGroups.Select(g => calls.RunAsync(() => iam.AddUserToGroupAsync(userName, g, ct), ct)));
            var key = calls.RunAsync(() => iam.CreateAccessKeyAsync(userName, ct), ct);
            attachments.Add(key);
            await TaskGroup.WhenAllThenFirstError(attachments).ConfigureAwait(false);

            // No beat may change the owner between here and the owner-checked activation.
            var owner = beat is null ? intent.Owner : await beat.StopAsync().ConfigureAwait(false);
            if (!store.ActivateLease(intent.LeaseId, key.Result.AccessKeyId, owner))
            {
                throw NotActivated(store, intent, owner);
            }

            return new IssuedCredential(intent with { State = LeaseState.Active, AccessKeyId = key.Result.AccessKeyId, Owner = null },
                key.Result.AccessKeyId, key.Result.SecretAccessKey, SessionToken: null);
        }
        catch (Exception ex) when (!userCreated && CreateUserMadeNothing(ex))
        {
            // AWS refused CreateUser outright, or the name is somebody else's: no user of ours exists, and one
            // that exists is not ours to touch.
            store.DeleteLease(intent.LeaseId);
            throw;
        }
        catch (Exception)
        {
            await RollBackAsync(iam, store, intent, userCreated, propagationBudget).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Why a pending intent could not be made active: its mount is closing or gone, or another host took it over, or the row is gone.</summary>
    private static EngineException NotActivated(ILeaseStore store, LeaseRecord intent, LeaseOwner? owner)
    {
        if (!store.MountTakesLeases(intent.Mount))
        {
            // Its mount is being disabled: this issue must not leave a lease behind it.
            return KindErrors.MountClosed(intent.Mount);
        }

        var message = store.GetLease(intent.LeaseId) is { State: LeaseState.Pending, Owner: { } holder } && holder != owner
            ? $"The issue of {intent.LeaseId} took longer than its deadline, and host '{holder.Host}' took its intent over to clean it up, so its credentials were not handed out. Try again; if this keeps happening, raise DYNAMICAWSCREDS_INTENT_DEADLINE."
            : $"The lease {intent.LeaseId} could not be recorded as active, so its credentials were not handed out.";
        return new EngineException("StoreWriteFailed", ErrorKind.InvalidOperation, intent.LeaseId, message);
    }

    private static bool CreateUserMadeNothing(Exception ex) =>
        ex is EngineException { Reason: UserNameTaken }
        || ex is AwsServiceException { Action: "CreateUser", IsSender: true, AfterUncertainAttempt: false };

    public const string UserNameTaken = "UserNameTaken";

    private static async Task CreateUserAsync(IIamApi iam, Role role, string userName, CancellationToken ct)
    {
        try
        {
            await iam.CreateUserAsync(userName, role.UserPath, role.PermissionsBoundaryArn, role.IamTags.Count > 0 ? role.IamTags : null, ct).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.Code == "EntityAlreadyExists" && ex.AfterUncertainAttempt)
        {
            // An earlier attempt of this same call went unanswered or failed on AWS's side: the user it finds
            // may be that attempt's own work, so carry on with it.
        }
        catch (AwsServiceException ex) when (ex.Code == "EntityAlreadyExists")
        {
            throw new EngineException(UserNameTaken, ErrorKind.ResourceExists, userName,
                $"An IAM user named '{userName}' already exists and this issue did not make it, so it was left untouched and no credentials were issued. If the username template renders names without random characters, add some (for example {{{{random 20}}}}) with Set-AwsRootConfig -UsernameTemplate.", ex)
            { AwsCode = ex.Code };
        }
    }

    /// <summary>
    /// Removes what the failed issue made, if this store provably made it; on success the intent goes too. If the
    /// cleanup itself fails the intent stays, so a later sweep still knows the user may exist.
    /// </summary>
    private static async Task RollBackAsync(IIamApi iam, ILeaseStore store, LeaseRecord intent, bool userCreated, TimeSpan? propagationBudget)
    {
        try
        {
            // Not the caller's token: a Ctrl+C during issue must still remove what was made.
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            if (await IntentCleanup.CleanUpAsync(iam, store, intent, userCreated, cts.Token, propagationBudget).ConfigureAwait(false) == IntentOutcome.UserNotProven)
            {
                EngineOperation.Events.Warning($"IAM user '{intent.UserName}' exists, but AWS never confirmed that this issue created it, so it was left alone. It has no policies or keys from this module; delete it by hand if it is yours.");
            }
        }
        catch (Exception)
        {
            // Left as a pending intent for the sweep; the original error is what the user sees.
        }
    }
}
/// <summary>A credential just issued: the lease plus the secrets, which exist only in memory.</summary>
/// <param name="Granted">The duration AWS granted STS credentials (their DurationSeconds); null for an IAM user's key.</param>
public sealed record IssuedCredential(LeaseRecord Lease, string AccessKeyId, string SecretAccessKey, string? SessionToken, TimeSpan? Granted = null)
{
    /// <summary>
    /// The lease's length: what AWS granted, else expiry − issue time to the nearest second. An STS expiry is on AWS's
    /// clock, in whole seconds, so it falls a fraction either side of issue time + the granted duration.
    /// </summary>
    public TimeSpan LeaseDuration => Granted ?? TimeSpan.FromSeconds(Math.Round((Lease.ExpireTime - Lease.IssueTime).TotalSeconds));

    public override string ToString() => $"IssuedCredential {{ LeaseId = {Lease.LeaseId}, AccessKeyId = {AccessKeyId} }}";
}
