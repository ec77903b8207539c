using System.Text.Json;
using System.Text.RegularExpressions;
using DynamicAwsCreds.Engine.Aws;

namespace DynamicAwsCreds.Tests.Fakes;

/// <summary>
/// IAM on a <see cref="FakeAws"/> account, signed by one set of credentials. Refuses what IAM refuses, with IAM's
/// codes, statuses and messages: NoSuchEntity 404, EntityAlreadyExists 409, DeleteConflict 409, LimitExceeded 409
/// (a third access key, an eleventh managed policy or group, 2048 characters of inline policy per user).
/// </summary>
public sealed partial class FakeIam(FakeAws aws, Func<CancellationToken, ValueTask<AwsCredentials>> signer) : IIamApi
{
    private const int MaxAccessKeys = 2;
    private const int MaxManagedPolicies = 10;
    private const int MaxGroups = 10;
    private const int MaxInlinePolicyCharacters = 2048;

    private Task<T> Call<T>(string action, string? userName, Func<FakeCaller, T> act, CancellationToken ct) =>
        aws.CallAsync("iam", action, userName, signer, act, ct);

    private Task Call(string action, string? userName, Action<FakeCaller> act, CancellationToken ct) =>
        Call(action, userName, caller =>
        {
            act(caller);
            return true;
        }, ct);

    public Task<IamUser> CreateUserAsync(
        string userName, string? path = null, string? permissionsBoundaryArn = null,
        IReadOnlyDictionary<string, string>? tags = null, CancellationToken ct = default) =>
        Call("CreateUser", userName, _ =>
        {
            if (userName.Length > 64)
            {
                throw FakeAwsError.Validation($"Value '{userName}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64");
            }

            if (!NamePattern().IsMatch(userName))
            {
                throw FakeAwsError.Validation($"Value '{userName}' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
            }

            if (permissionsBoundaryArn is not null && !aws.ManagedPolicyArns.Contains(permissionsBoundaryArn))
            {
                throw FakeAwsError.NoSuchEntity($"Scope ARN: {permissionsBoundaryArn} does not exist or is not attachable.");
            }

            if (aws.UsersByName.ContainsKey(userName))
            {
                throw FakeAwsError.AlreadyExists($"User with name {userName} already exists.");
            }

            var user = aws.AddUser(userName, path ?? "/", permissionsBoundaryArn);
            foreach (var (key, value) in tags ?? new Dictionary<string, string>())
            {
                user.Tags[key] = value;
            }

            return user.ToIamUser();
        }, ct);

    public Task<IamUser> GetUserAsync(string? userName = null, CancellationToken ct = default) =>
        Call("GetUser", userName, caller => UserOrCaller(userName, caller).ToIamUser(), ct);

    public Task DeleteUserAsync(string userName, CancellationToken ct = default) =>
        Call("DeleteUser", userName, _ =>
        {
            if (User(userName).DeleteConflict() is { } conflict)
            {
                throw FakeAwsError.DeleteConflict(conflict);
            }

            aws.UsersByName.Remove(userName);
        }, ct);

    public Task<IReadOnlyList<IamUser>> ListUsersAsync(string? pathPrefix = null, CancellationToken ct = default) =>
        Call("ListUsers", null, _ => (IReadOnlyList<IamUser>)aws.UsersByName.Values
            .Where(u => u.Path.StartsWith(pathPrefix ?? "/", StringComparison.Ordinal))
            .OrderBy(u => u.UserName, StringComparer.OrdinalIgnoreCase).Select(u => u.ToIamUser()).ToList(), ct);

    public Task AttachUserPolicyAsync(string userName, string policyArn, CancellationToken ct = default) =>
        Call("AttachUserPolicy", userName, _ =>
        {
            var user = User(userName);
            if (!policyArn.StartsWith("arn:", StringComparison.Ordinal) || policyArn.Split(':').Length < 6)
            {
                throw FakeAwsError.InvalidInput($"ARN {policyArn} is not valid.");
            }

            if (!aws.ManagedPolicyArns.Contains(policyArn))
            {
                throw FakeAwsError.NoSuchEntity($"Policy {policyArn} does not exist or is not attachable.");
            }

            AddOnce(user.AttachedPolicyArns, policyArn, MaxManagedPolicies, "PoliciesPerUser");
        }, ct);

    public Task DetachUserPolicyAsync(string userName, string policyArn, CancellationToken ct = default) =>
        Call("DetachUserPolicy", userName, _ =>
        {
            if (!User(userName).AttachedPolicyArns.Remove(policyArn))
            {
                throw FakeAwsError.NoSuchEntity($"Policy {policyArn} was not found.");
            }
        }, ct);

    public Task<IReadOnlyList<AttachedPolicy>> ListAttachedUserPoliciesAsync(string userName, CancellationToken ct = default) =>
        Call("ListAttachedUserPolicies", userName, _ => Attached(User(userName).AttachedPolicyArns), ct);

    public Task PutUserPolicyAsync(string userName, string policyName, string policyDocument, CancellationToken ct = default) =>
        Call("PutUserPolicy", userName, _ =>
        {
            var user = User(userName);
            try
            {
                JsonDocument.Parse(policyDocument).Dispose();
            }
            catch (JsonException)
            {
                throw new FakeAwsError(400, "MalformedPolicyDocument", "Syntax errors in policy.");
            }

            var size = user.InlinePolicies.Where(p => p.Key != policyName).Sum(p => QuotaSize(p.Value)) + QuotaSize(policyDocument);
            if (size > MaxInlinePolicyCharacters)
            {
                throw FakeAwsError.LimitExceeded($"Maximum policy size of {MaxInlinePolicyCharacters} bytes exceeded for user {user.UserName}");
            }

            user.InlinePolicies[policyName] = policyDocument;
        }, ct);

    public Task DeleteUserPolicyAsync(string userName, string policyName, CancellationToken ct = default) =>
        Call("DeleteUserPolicy", userName, _ =>
        {
            if (!User(userName).InlinePolicies.Remove(policyName))
            {
                throw FakeAwsError.NoSuchEntity($"The user policy with name {policyName} cannot be found.");
            }
        }, ct);

    public Task<IReadOnlyList<string>> ListUserPoliciesAsync(string userName, CancellationToken ct = default) =>
        Call("ListUserPolicies", userName, _ => (IReadOnlyList<string>)[.. User(userName).InlinePolicies.Keys], ct);

    public Task<string> GetUserPolicyAsync(string userName, string policyName, CancellationToken ct = default) =>
        Call("GetUserPolicy", userName, _ => User(userName).InlinePolicies.GetValueOrDefault(policyName)
            ?? throw FakeAwsError.NoSuchEntity($"The user policy with name {policyName} cannot be found."), ct);

    public Task AddUserToGroupAsync(string userName, string groupName, CancellationToken ct = default) =>
        Call("AddUserToGroup", userName, _ => AddOnce(User(userName).Groups, Group(groupName).GroupName, MaxGroups, "GroupsPerUser"), ct);

    public Task RemoveUserFromGroupAsync(string userName, string groupName, CancellationToken ct = default) =>
        Call("RemoveUserFromGroup", userName, _ =>
        {
            var group = Group(groupName);
            var user = User(userName);
            if (!user.Groups.Remove(group.GroupName))
            {
                throw FakeAwsError.NoSuchEntity($"The user with name {user.UserName} cannot be found in group {group.GroupName}.");
            }
        }, ct);

    public Task<IReadOnlyList<string>> ListGroupsForUserAsync(string userName, CancellationToken ct = default) =>
        Call("ListGroupsForUser", userName, _ => (IReadOnlyList<string>)[.. User(userName).Groups], ct);

    public Task<IamAccessKey> CreateAccessKeyAsync(string? userName = null, CancellationToken ct = default) =>
        Call("CreateAccessKey", userName, caller =>
        {
            var user = UserOrCaller(userName, caller);
            if (user.AccessKeys.Count >= MaxAccessKeys)
            {
                throw FakeAwsError.LimitExceeded($"Cannot exceed quota for AccessKeysPerUser: {MaxAccessKeys}");
            }

            var key = new FakeAccessKey(FakeAws.NewId("AKIA", 16), FakeAws.NewSecret(), aws.Time.GetUtcNow());
            user.AccessKeys.Add(key);
            return new IamAccessKey(user.UserName, key.AccessKeyId, key.SecretAccessKey, "Active", key.Created);
        }, ct);

    public Task<IReadOnlyList<IamAccessKeyMetadata>> ListAccessKeysAsync(string? userName = null, CancellationToken ct = default) =>
        Call("ListAccessKeys", userName, caller =>
        {
            var user = UserOrCaller(userName, caller);
            return (IReadOnlyList<IamAccessKeyMetadata>)[.. user.AccessKeys.Select(k => new IamAccessKeyMetadata(user.UserName, k.AccessKeyId, "Active", k.Created))];
        }, ct);

    public Task DeleteAccessKeyAsync(string accessKeyId, string? userName = null, CancellationToken ct = default) =>
        Call("DeleteAccessKey", userName, caller =>
        {
            if (UserOrCaller(userName, caller).AccessKeys.RemoveAll(k => k.AccessKeyId == accessKeyId) == 0)
            {
                throw FakeAwsError.NoSuchEntity($"The Access Key with id {accessKeyId} cannot be found.");
            }
        }, ct);

    public Task TagUserAsync(string userName, IReadOnlyDictionary<string, string> tags, CancellationToken ct = default) =>
        Call("TagUser", userName, _ =>
        {
            var user = User(userName);
            if (tags.Keys.Union(user.Tags.Keys, StringComparer.OrdinalIgnoreCase).Count() > 50)
            {
                throw FakeAwsError.LimitExceeded("The number of tags has reached the maximum limit.");
            }

            foreach (var (key, value) in tags)
            {
                user.Tags[key] = value;
            }
        }, ct);

    public Task DeleteLoginProfileAsync(string userName, CancellationToken ct = default) =>
        Call("DeleteLoginProfile", userName, _ =>
        {
            var user = User(userName);
            if (!user.HasLoginProfile)
            {
                throw FakeAwsError.NoSuchEntity($"Login Profile for User {user.UserName} cannot be found.");
            }

            user.HasLoginProfile = false;
        }, ct);

    public Task<IReadOnlyList<string>> ListMfaDeviceSerialsAsync(string userName, CancellationToken ct = default) =>
        Call("ListMFADevices", userName, _ => (IReadOnlyList<string>)[.. User(userName).MfaDeviceSerials], ct);

    public Task DeactivateMfaDeviceAsync(string userName, string serialNumber, CancellationToken ct = default) =>
        Call("DeactivateMFADevice", userName, _ => Remove(User(userName).MfaDeviceSerials, serialNumber, $"MFA Device with serial number {serialNumber} does not exist."), ct);

    public Task<IReadOnlyList<string>> ListSshPublicKeyIdsAsync(string userName, CancellationToken ct = default) =>
        Call("ListSSHPublicKeys", userName, _ => (IReadOnlyList<string>)[.. User(userName).SshPublicKeyIds], ct);

    public Task DeleteSshPublicKeyAsync(string userName, string sshPublicKeyId, CancellationToken ct = default) =>
        Call("DeleteSSHPublicKey", userName, _ => Remove(User(userName).SshPublicKeyIds, sshPublicKeyId, $"The Public Key with id {sshPublicKeyId} cannot be found."), ct);

    public Task<IReadOnlyList<string>> ListSigningCertificateIdsAsync(string userName, CancellationToken ct = default) =>
        Call("ListSigningCertificates", userName, _ => (IReadOnlyList<string>)[.. User(userName).SigningCertificateIds], ct);

    public Task DeleteSigningCertificateAsync(string userName, string certificateId, CancellationToken ct = default) =>
        Call("DeleteSigningCertificate", userName, _ => Remove(User(userName).SigningCertificateIds, certificateId, $"The Certificate with id {certificateId} cannot be found."), ct);

    public Task<IReadOnlyList<string>> ListServiceSpecificCredentialIdsAsync(string userName, CancellationToken ct = default) =>
        Call("ListServiceSpecificCredentials", userName, _ => (IReadOnlyList<string>)[.. User(userName).ServiceSpecificCredentialIds], ct);

    public Task DeleteServiceSpecificCredentialAsync(string userName, string credentialId, CancellationToken ct = default) =>
        Call("DeleteServiceSpecificCredential", userName, _ => Remove(User(userName).ServiceSpecificCredentialIds, credentialId, $"No such credential {credentialId} exists"), ct);

    public Task<IReadOnlyList<AttachedPolicy>> ListAttachedGroupPoliciesAsync(string groupName, CancellationToken ct = default) =>
        Call("ListAttachedGroupPolicies", null, _ => Attached(Group(groupName).AttachedPolicyArns), ct);

    public Task<IReadOnlyList<string>> ListGroupPoliciesAsync(string groupName, CancellationToken ct = default) =>
        Call("ListGroupPolicies", null, _ => (IReadOnlyList<string>)[.. Group(groupName).InlinePolicies.Keys], ct);

    public Task<string> GetGroupPolicyAsync(string groupName, string policyName, CancellationToken ct = default) =>
        Call("GetGroupPolicy", null, _ => Group(groupName).InlinePolicies.GetValueOrDefault(policyName)
            ?? throw FakeAwsError.NoSuchEntity($"The group policy with name {policyName} cannot be found."), ct);

    private FakeUser User(string userName) =>
        aws.UsersByName.GetValueOrDefault(userName) ?? throw FakeAwsError.NoSuchEntity($"The user with name {userName} cannot be found.");

    /// <summary>The named user, or with no name the IAM user that signed the call.</summary>
    private FakeUser UserOrCaller(string? userName, FakeCaller caller) =>
        userName is not null ? User(userName)
        : caller.User ?? throw FakeAwsError.Validation("Must specify userName when calling with non-User credentials");

    private FakeGroup Group(string groupName) =>
        aws.GroupsByName.GetValueOrDefault(groupName) ?? throw FakeAwsError.NoSuchEntity($"The group with name {groupName} cannot be found.");

    private static void AddOnce(List<string> items, string item, int quota, string quotaName)
    {
        if (items.Contains(item, StringComparer.Ordinal))
        {
            return;
        }

        if (items.Count >= quota)
        {
            throw FakeAwsError.LimitExceeded($"Cannot exceed quota for {quotaName}: {quota}");
        }

        items.Add(item);
    }

    private static void Remove(List<string> items, string item, string notFound)
    {
        if (!items.Remove(item))
        {
            throw FakeAwsError.NoSuchEntity(notFound);
        }
    }

    private static IReadOnlyList<AttachedPolicy> Attached(IEnumerable<string> arns) =>
        [.. arns.Select(arn => new AttachedPolicy(arn[(arn.LastIndexOf('/') + 1)..], arn))];

    /// <summary>IAM counts a policy's size without its whitespace.</summary>
    private static int QuotaSize(string document) => document.Count(c => !char.IsWhiteSpace(c));

    [GeneratedRegex(@"^[\w+=,.@-]+$")]
    private static partial Regex NamePattern();
}
