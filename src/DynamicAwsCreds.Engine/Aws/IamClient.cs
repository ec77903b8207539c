using System.Xml.Linq;

namespace DynamicAwsCreds.Engine.Aws;

/// <summary>The IAM actions the engine needs, over the Query protocol (API version 2010-05-08).</summary>
public sealed class IamClient : IIamApi
{
    private readonly QueryClient _query;

    public IamClient(QueryClient query) => _query = query;

    public async Task<IamUser> CreateUserAsync(
        string userName, string? path = null, string? permissionsBoundaryArn = null,
        IReadOnlyDictionary<string, string>? tags = null, CancellationToken ct = default)
    {
        var parameters = QueryParameters.Of(("UserName", userName), ("Path", path), ("PermissionsBoundary", permissionsBoundaryArn));
        QueryParameters.AddTags(parameters, tags);
        var result = await _query.CallAsync("CreateUser", parameters, ct).ConfigureAwait(false);
        return ToUser(Required(result, "User"));
    }

    /// <summary>With no name, the user whose credentials sign the call.</summary>
    public async Task<IamUser> GetUserAsync(string? userName = null, CancellationToken ct = default)
    {
        var result = await _query.CallAsync("GetUser", QueryParameters.Of(("UserName", userName)), ct).ConfigureAwait(false);
        return ToUser(Required(result, "User"));
    }

    public Task DeleteUserAsync(string userName, CancellationToken ct = default) =>
        _query.CallAsync("DeleteUser", QueryParameters.Of(("UserName", userName)), ct);

    public Task<IReadOnlyList<IamUser>> ListUsersAsync(string? pathPrefix = null, CancellationToken ct = default) =>
        ListAsync("ListUsers", QueryParameters.Of(("PathPrefix", pathPrefix)), "Users", ToUser, ct);

    public Task AttachUserPolicyAsync(string userName, string policyArn, CancellationToken ct = default) =>
        _query.CallAsync("AttachUserPolicy", QueryParameters.Of(("UserName", userName), ("PolicyArn", policyArn)), ct);

    public Task DetachUserPolicyAsync(string userName, string policyArn, CancellationToken ct = default) =>
        _query.CallAsync("DetachUserPolicy", QueryParameters.Of(("UserName", userName), ("PolicyArn", policyArn)), ct);

    public Task<IReadOnlyList<AttachedPolicy>> ListAttachedUserPoliciesAsync(string userName, CancellationToken ct = default) =>
        ListAsync("ListAttachedUserPolicies", QueryParameters.Of(("UserName", userName)), "AttachedPolicies", ToAttachedPolicy, ct);

    public Task PutUserPolicyAsync(string userName, string policyName, string policyDocument, CancellationToken ct = default) =>
        _query.CallAsync("PutUserPolicy",
            QueryParameters.Of(("UserName", userName), ("PolicyName", policyName), ("PolicyDocument", policyDocument)), ct);

    public Task DeleteUserPolicyAsync(string userName, string policyName, CancellationToken ct = default) =>
        _query.CallAsync("DeleteUserPolicy", QueryParameters.Of(("UserName", userName), ("PolicyName", policyName)), ct);

    public Task<IReadOnlyList<string>> ListUserPoliciesAsync(string userName, CancellationToken ct = default) =>
        ListAsync("ListUserPolicies", QueryParameters.Of(("UserName", userName)), "PolicyNames", e => e.Value, ct);

    public Task AddUserToGroupAsync(string userName, string groupName, CancellationToken ct = default) =>
        _query.CallAsync("AddUserToGroup", QueryParameters.Of(("UserName", userName), ("GroupName", groupName)), ct);

    public Task RemoveUserFromGroupAsync(string userName, string groupName, CancellationToken ct = default) =>
        _query.CallAsync("RemoveUserFromGroup", QueryParameters.Of(("UserName", userName), ("GroupName", groupName)), ct);

    /// <summary>The names of the user's groups.</summary>
    public Task<IReadOnlyList<string>> ListGroupsForUserAsync(string userName, CancellationToken ct = default) =>
        ListAsync("ListGroupsForUser", QueryParameters.Of(("UserName", userName)), "Groups", g => g.Required("GroupName"), ct);

    /// <summary>The one answer that carries the new SecretAccessKey; it is never logged nor put in an error.</summary>
    public async Task<IamAccessKey> CreateAccessKeyAsync(string? userName = null, CancellationToken ct = default)
    {
        var result = await _query.CallAsync("CreateAccessKey", QueryParameters.Of(("UserName", userName)), ct).ConfigureAwait(false);
        var key = Required(result, "AccessKey");
        return new IamAccessKey(key.Required("UserName"), key.Required("AccessKeyId"), key.Required("SecretAccessKey"),
            key.Required("Status"), key.RequiredDate("CreateDate"));
    }

    public Task<IReadOnlyList<IamAccessKeyMetadata>> ListAccessKeysAsync(string? userName = null, CancellationToken ct = default) =>
        ListAsync("ListAccessKeys", QueryParameters.Of(("UserName", userName)), "AccessKeyMetadata",
            k => new IamAccessKeyMetadata(k.Required("UserName"), k.Required("AccessKeyId"), k.Required("Status"),
                k.RequiredDate("CreateDate")), ct);

    public Task DeleteAccessKeyAsync(string accessKeyId, string? userName = null, CancellationToken ct = default) =>
        _query.CallAsync("DeleteAccessKey", QueryParameters.Of(("UserName", userName), ("AccessKeyId", accessKeyId)), ct);

    public Task TagUserAsync(string userName, IReadOnlyDictionary<string, string> tags, CancellationToken ct = default)
    {
        var parameters = QueryParameters.Of(("UserName", userName));
        QueryParameters.AddTags(parameters, tags);
        return _query.CallAsync("TagUser", parameters, ct);
    }

    public Task DeleteLoginProfileAsync(string userName, CancellationToken ct = default) =>
        _query.CallAsync("DeleteLoginProfile", QueryParameters.Of(("UserName", userName)), ct);

    public Task<IReadOnlyList<string>> ListMfaDeviceSerialsAsync(string userName, CancellationToken ct = default) =>
        ListAsync("ListMFADevices", QueryParameters.Of(("UserName", userName)), "MFADevices", d => d.Required("SerialNumber"), ct);

    public Task DeactivateMfaDeviceAsync(string userName, string serialNumber, CancellationToken ct = default) =>
        _query.CallAsync("DeactivateMFADevice", QueryParameters.Of(("UserName", userName), ("SerialNumber", serialNumber)), ct);

    public Task<IReadOnlyList<string>> ListSshPublicKeyIdsAsync(string userName, CancellationToken ct = default) =>
        ListAsync("ListSSHPublicKeys", QueryParameters.Of(("UserName", userName)), "SSHPublicKeys", k => k.Required("SSHPublicKeyId"), ct);

    public Task DeleteSshPublicKeyAsync(string userName, string sshPublicKeyId, CancellationToken ct = default) =>
        _query.CallAsync("DeleteSSHPublicKey", QueryParameters.Of(("UserName", userName), ("SSHPublicKeyId", sshPublicKeyId)), ct);

    public Task<IReadOnlyList<string>> ListSigningCertificateIdsAsync(string userName, CancellationToken ct = default) =>
        ListAsync("ListSigningCertificates", QueryParameters.Of(("UserName", userName)), "Certificates",
            c => c.Required("CertificateId"), ct);

    public Task DeleteSigningCertificateAsync(string userName, string certificateId, CancellationToken ct = default) =>
        _query.CallAsync("DeleteSigningCertificate", QueryParameters.Of(("UserName", userName), ("CertificateId", certificateId)), ct);

    public Task<IReadOnlyList<string>> ListServiceSpecificCredentialIdsAsync(string userName, CancellationToken ct = default) =>
        ListAsync("ListServiceSpecificCredentials", QueryParameters.Of(("UserName", userName)), "ServiceSpecificCredentials",
            c => c.Required("ServiceSpecificCredentialId"), ct);

    public Task DeleteServiceSpecificCredentialAsync(string userName, string credentialId, CancellationToken ct = default) =>
        _query.CallAsync("DeleteServiceSpecificCredential",
            QueryParameters.Of(("UserName", userName), ("ServiceSpecificCredentialId", credentialId)), ct);

    public Task<IReadOnlyList<AttachedPolicy>> ListAttachedGroupPoliciesAsync(string groupName, CancellationToken ct = default) =>
        ListAsync("ListAttachedGroupPolicies", QueryParameters.Of(("GroupName", groupName)), "AttachedPolicies", ToAttachedPolicy, ct);

    public Task<IReadOnlyList<string>> ListGroupPoliciesAsync(string groupName, CancellationToken ct = default) =>
        ListAsync("ListGroupPolicies", QueryParameters.Of(("GroupName", groupName)), "PolicyNames", e => e.Value, ct);

    /// <summary>The user's inline policy JSON, decoded: IAM returns it URL-encoded per RFC 3986.</summary>
    public async Task<string> GetUserPolicyAsync(string userName, string policyName, CancellationToken ct = default)
    {
        var result = await _query.CallAsync("GetUserPolicy",
            QueryParameters.Of(("UserName", userName), ("PolicyName", policyName)), ct).ConfigureAwait(false);
        return Uri.UnescapeDataString(result.Required("PolicyDocument"));
    }

    /// <summary>The policy JSON, decoded: IAM returns it URL-encoded per RFC 3986.</summary>
    public async Task<string> GetGroupPolicyAsync(string groupName, string policyName, CancellationToken ct = default)
    {
        var result = await _query.CallAsync("GetGroupPolicy",
            QueryParameters.Of(("GroupName", groupName), ("PolicyName", policyName)), ct).ConfigureAwait(false);
        return Uri.UnescapeDataString(result.Required("PolicyDocument"));
    }

    /// <summary>Follows IsTruncated/Marker to the last page: a partial list would strand users on revoke.</summary>
    private async Task<IReadOnlyList<T>> ListAsync<T>(
        string action, List<KeyValuePair<string, string>> parameters, string listName, Func<XElement, T> map,
        CancellationToken ct)
    {
        var items = new List<T>();
        string? marker = null;
        do
        {
            var page = marker is null ? parameters : [.. parameters, new("Marker", marker)];
            var result = await _query.CallAsync(action, page, ct).ConfigureAwait(false);
            items.AddRange(result.Members(listName).Select(map));
            marker = result.IsTrue("IsTruncated")
                ? result.ChildValue("Marker") is { Length: > 0 } next && next != marker
                    ? next
                    : throw new InvalidDataException($"IAM {action} said IsTruncated but gave no new Marker.")
                : null;
        } while (marker is not null);
        return items;
    }

    private static XElement Required(XElement result, string name) =>
        result.Child(name) ?? throw new InvalidDataException($"The IAM response has no <{name}> in <{result.Name.LocalName}>.");

    private static IamUser ToUser(XElement user) =>
        new(user.Required("UserName"), user.Required("UserId"), user.Required("Arn"), user.ChildValue("Path") ?? "/",
            user.RequiredDate("CreateDate"));

    private static AttachedPolicy ToAttachedPolicy(XElement policy) =>
        new(policy.Required("PolicyName"), policy.Required("PolicyArn"));
}
