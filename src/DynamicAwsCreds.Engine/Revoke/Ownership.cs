using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Issue;

namespace DynamicAwsCreds.Engine.Revoke;

/// <summary>Reads who made an IAM user from IAM alone: the ownership marker in its expiry guard.</summary>
internal static class Ownership
{
    /// <summary>The user's marker; null when the user has no guard (or no readable marker in it), or is gone.</summary>
    public static async Task<OwnershipMarker?> ReadMarkerAsync(IIamApi iam, string userName, CancellationToken ct)
    {
        try
        {
            var document = await iam.GetUserPolicyAsync(userName, ExpiryGuard.PolicyName, ct).ConfigureAwait(false);
            return ExpiryGuard.ReadMarker(document);
        }
        catch (AwsServiceException ex) when (ex.IsNoSuchEntity)
        {
            return null;
        }
    }
}
