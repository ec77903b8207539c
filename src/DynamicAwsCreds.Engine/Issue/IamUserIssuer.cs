using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Issue;

/// <summary>
/// Issues an iam_user credential: intent row, CreateUser, then every attachment and the access key at
/// once, then the lease row is made active. Any failure rolls back through <see cref="Revoker"/>.
/// </summary>
internal static class IamUserIssuer
{
    public static async Task<IssuedCredential> IssueAsync(
        IamClient iam, LeaseStore store, Role role, LeaseRecord intent, CancellationToken ct)
    {
        var userName = intent.UserName!;
        store.InsertLease(intent);

        var userMayExist = false;
        try
        {
            userMayExist = true;
            await CreateUserAsync(iam, role, userName, ct).ConfigureAwait(false);

            var attachments = new List<Task>();
            attachments.AddRange(role.PolicyArns.Select(arn => iam.AttachUserPolicyAsync(userName, arn, ct)));
            if (role.PolicyDocument is not null)
            {
                attachments.Add(iam.PutUserPolicyAsync(userName, role.Name, role.PolicyDocument, ct));
            }

            attachments.Add(iam.PutUserPolicyAsync(userName, ExpiryGuard.PolicyName, ExpiryGuard.Document(intent.ExpireTime), ct));
            attachments.AddRange(role.IamGroups.Select(g => iam.AddUserToGroupAsync(userName, g, ct)));
            var key = iam.CreateAccessKeyAsync(userName, ct);
            attachments.Add(key);
            await TaskGroup.WhenAllThenFirstError(attachments).ConfigureAwait(false);

            if (!store.ActivateLease(intent.LeaseId, key.Result.AccessKeyId))
            {
                throw new EngineException("StoreWriteFailed", ErrorKind.InvalidOperation, intent.LeaseId,
                    $"The lease {intent.LeaseId} could not be recorded as active, so its credentials were not handed out.");
            }

            return new IssuedCredential(intent with { State = LeaseState.Active, AccessKeyId = key.Result.AccessKeyId, Owner = null },
                key.Result.AccessKeyId, key.Result.SecretAccessKey, SessionToken: null);
        }
        catch (AwsServiceException ex) when (ex.Action == "CreateUser" && ex.IsSender)
        {
            // AWS refused CreateUser outright: there is no user of ours to remove (and an existing one is not ours).
            userMayExist = false;
            store.DeleteLease(intent.LeaseId);
            throw;
        }
        catch (Exception) when (userMayExist)
        {
            await RollBackAsync(iam, store, intent).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task CreateUserAsync(IamClient iam, Role role, string userName, CancellationToken ct)
    {
        try
        {
            await iam.CreateUserAsync(userName, role.UserPath, role.PermissionsBoundaryArn, role.IamTags.Count > 0 ? role.IamTags : null, ct).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.Code == "EntityAlreadyExists")
        {
            // A retry after a lost answer finds the user our first attempt made: the name's
            // 20 CSPRNG characters make it ours, so carry on with it.
        }
    }

    /// <summary>
    /// Removes the half-made user; on success the intent goes too. If the cleanup itself fails the intent
    /// stays, so a later sweep still knows the user exists.
    /// </summary>
    private static async Task RollBackAsync(IamClient iam, LeaseStore store, LeaseRecord intent)
    {
        try
        {
            // Not the caller's token: a Ctrl+C during issue must still remove what was made.
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await Revoker.DeleteUserAsync(iam, intent.UserName!, cts.Token).ConfigureAwait(false);
            store.DeleteLease(intent.LeaseId);
        }
        catch (Exception)
        {
            // Left as a pending intent for the sweep; the original error is what the user sees.
        }
    }
}
/// <summary>A credential just issued: the lease plus the secrets, which exist only in memory.</summary>
public sealed record IssuedCredential(LeaseRecord Lease, string AccessKeyId, string SecretAccessKey, string? SessionToken)
{
    public override string ToString() => $"IssuedCredential {{ LeaseId = {Lease.LeaseId}, AccessKeyId = {AccessKeyId} }}";
}
