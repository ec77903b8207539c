using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Revoke;

public enum IntentOutcome
{
    /// <summary>The half-made user was this store's, and it is gone.</summary>
    UserDeleted,

    /// <summary>No user by the intent's name exists: the issue stopped before CreateUser took effect.</summary>
    NothingMade,

    /// <summary>A user by that name exists, but nothing proves this store made it, so it was left alone.</summary>
    UserNotProven,
}

/// <summary>
/// Finishes an issue that did not finish: the rollback of a failed issue and the recovery of a crashed one.
/// The user is deleted only when this store provably made it — CreateUser answered for this intent, or the
/// user's ownership marker names this store and this lease. The intent row goes once the user is gone, was never
/// made, or is left alone as not provably this store's; when deleting the user fails, the row stays for a later sweep.
/// </summary>
internal static class IntentCleanup
{
    /// <param name="userCreated">CreateUser answered for this intent moments ago, in this process: the user exists even if IAM does not show it yet.</param>
    public static async Task<IntentOutcome> CleanUpAsync(
        IIamApi iam, ILeaseStore store, LeaseRecord intent, bool userCreated, CancellationToken ct, TimeSpan? propagationBudget = null)
    {
        var userName = intent.UserName!;
        var provenOurs = userCreated || store.WasUserCreated(intent.LeaseId)
            || await Ownership.ReadMarkerAsync(iam, userName, ct).ConfigureAwait(false) is { } marker
               && marker.StoreId == store.StoreId && marker.LeaseId == intent.LeaseId;
        if (provenOurs)
        {
            var result = await Revoker.DeleteUserAsync(iam, userName, ct, justCreated: userCreated, propagationBudget).ConfigureAwait(false);
            store.DeleteLease(intent.LeaseId);
            return result == UserCleanup.Deleted ? IntentOutcome.UserDeleted : IntentOutcome.NothingMade;
        }

        try
        {
            await iam.GetUserAsync(userName, ct).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.IsNoSuchEntity)
        {
            store.DeleteLease(intent.LeaseId);
            return IntentOutcome.NothingMade;
        }

        store.DeleteLease(intent.LeaseId);
        return IntentOutcome.UserNotProven;
    }
}
