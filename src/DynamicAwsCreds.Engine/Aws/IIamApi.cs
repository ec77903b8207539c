namespace DynamicAwsCreds.Engine.Aws;

/// <summary>The IAM actions the engine calls: the Query client speaks them to AWS; tests may put a fake in its place.</summary>
public interface IIamApi
{
    Task<IamUser> CreateUserAsync(
        string userName, string? path = null, string? permissionsBoundaryArn = null,
        IReadOnlyDictionary<string, string>? tags = null, CancellationToken ct = default);

    /// <summary>With no name, the user whose credentials sign the call.</summary>
    Task<IamUser> GetUserAsync(string? userName = null, CancellationToken ct = default);

    Task DeleteUserAsync(string userName, CancellationToken ct = default);

    Task<IReadOnlyList<IamUser>> ListUsersAsync(string? pathPrefix = null, CancellationToken ct = default);

    Task AttachUserPolicyAsync(string userName, string policyArn, CancellationToken ct = default);

    Task DetachUserPolicyAsync(string userName, string policyArn, CancellationToken ct = default);

    Task<IReadOnlyList<AttachedPolicy>> ListAttachedUserPoliciesAsync(string userName, CancellationToken ct = default);

    Task PutUserPolicyAsync(string userName, string policyName, string policyDocument, CancellationToken ct = default);

    Task DeleteUserPolicyAsync(string userName, string policyName, CancellationToken ct = default);

    Task<IReadOnlyList<string>> ListUserPoliciesAsync(string userName, CancellationToken ct = default);

    Task AddUserToGroupAsync(string userName, string groupName, CancellationToken ct = default);

    Task RemoveUserFromGroupAsync(string userName, string groupName, CancellationToken ct = default);

    /// <summary>The names of the user's groups.</summary>
    Task<IReadOnlyList<string>> ListGroupsForUserAsync(string userName, CancellationToken ct = default);

    /// <summary>The one answer that carries the new SecretAccessKey; it is never logged nor put in an error.</summary>
    Task<IamAccessKey> CreateAccessKeyAsync(string? userName = null, CancellationToken ct = default);

    Task<IReadOnlyList<IamAccessKeyMetadata>> ListAccessKeysAsync(string? userName = null, CancellationToken ct = default);

    Task DeleteAccessKeyAsync(string accessKeyId, string? userName = null, CancellationToken ct = default);

    Task TagUserAsync(string userName, IReadOnlyDictionary<string, string> tags, CancellationToken ct = default);

    Task DeleteLoginProfileAsync(string userName, CancellationToken ct = default);

    Task<IReadOnlyList<string>> ListMfaDeviceSerialsAsync(string userName, CancellationToken ct = default);

    Task DeactivateMfaDeviceAsync(string userName, string serialNumber, CancellationToken ct = default);

    Task<IReadOnlyList<string>> ListSshPublicKeyIdsAsync(string userName, CancellationToken ct = default);

    Task DeleteSshPublicKeyAsync(string userName, string sshPublicKeyId, CancellationToken ct = default);

    Task<IReadOnlyList<string>> ListSigningCertificateIdsAsync(string userName, CancellationToken ct = default);

    Task DeleteSigningCertificateAsync(string userName, string certificateId, CancellationToken ct = default);

    Task<IReadOnlyList<string>> ListServiceSpecificCredentialIdsAsync(string userName, CancellationToken ct = default);

    Task DeleteServiceSpecificCredentialAsync(string userName, string credentialId, CancellationToken ct = default);

    Task<IReadOnlyList<AttachedPolicy>> ListAttachedGroupPoliciesAsync(string groupName, CancellationToken ct = default);

    Task<IReadOnlyList<string>> ListGroupPoliciesAsync(string groupName, CancellationToken ct = default);

    /// <summary>The user's inline policy JSON, decoded: IAM returns it URL-encoded per RFC 3986.</summary>
    Task<string> GetUserPolicyAsync(string userName, string policyName, CancellationToken ct = default);

    /// <summary>The policy JSON, decoded: IAM returns it URL-encoded per RFC 3986.</summary>
    Task<string> GetGroupPolicyAsync(string groupName, string policyName, CancellationToken ct = default);
}
