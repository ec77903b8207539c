using System.Diagnostics;
using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Store.Sqlite;

namespace DynamicAwsCreds.BenchTool;

/// <summary>
/// Vault's AWS secrets engine's IAM calls for an iam_user role, one call at a time in its order, through the engine's
/// own IAM client (<see cref="AwsClientFactory"/>): the role is read from the bench's store, so it is the role the
/// cmdlets issue for.
/// </summary>
internal static class VaultOrderScenario
{
    private const string Mount = "aws";

    /// <summary>
    /// Issue: CreateUser, each AttachUserPolicy, PutUserPolicy, each AddUserToGroup, TagUser when the role has tags,
    /// CreateAccessKey. Revoke: ListGroupsForUser, ListUserPolicies, ListAttachedUserPolicies, ListAccessKeys, then each
    /// DeleteAccessKey, each DetachUserPolicy, each DeleteUserPolicy, each RemoveUserFromGroup, then DeleteUser.
    /// <paramref name="warmUp"/> + <paramref name="runs"/> pairs; a run whose issue or revoke throws is counted as
    /// failed and kept out of the times. The number of calls of an issue and of a revoke is returned with the times.
    /// </summary>
    public static async Task<object> RunAsync(string storePath, string roleName, Uri endpoint, AwsCredentials credentials, int runs, int warmUp)
    {
        Role role;
        using (var store = SqliteLeaseStore.Open(storePath))
        {
            var record = store.GetRole(Mount, roleName) ?? throw new ArgumentException($"role {roleName} is not in {storePath}");
            role = Role.FromJson(record.DefinitionJson, record.UpdatedAt);
        }

        var connection = new AwsConnection(
            new QueryEndpoint(endpoint, "us-east-1"), [new QueryEndpoint(endpoint, "us-east-1")],
            _ => ValueTask.FromResult(credentials), RootConfig.DefaultMaxRetries);
        var iam = new AwsClientFactory().Create(connection).Iam;
        var issue = new List<double>();
        var revoke = new List<double>();
        var issueFailed = 0;
        var revokeFailed = 0;
        var issueCalls = 0;
        var revokeCalls = 0;
        for (var i = 0; i < warmUp + runs; i++)
        {
            var userName = $"vault-bench-order-{Guid.NewGuid():n}"[..40];
            var clock = Stopwatch.StartNew();
            try
            {
                issueCalls = await IssueAsync(iam, role, userName);
                if (i >= warmUp)
                {
                    issue.Add(clock.Elapsed.TotalMilliseconds);
                }
            }
            catch (Exception e) when (e is AwsServiceException or AwsTransportException)
            {
                Console.Error.WriteLine($"   [vault-order] issue {i}: {e.GetType().Name}: {e.Message}");
                issueFailed += i >= warmUp ? 1 : 0;
            }

            clock.Restart();
            try
            {
                revokeCalls = await RevokeAsync(iam, userName);
                if (i >= warmUp)
                {
                    revoke.Add(clock.Elapsed.TotalMilliseconds);
                }
            }
            catch (Exception e) when (e is AwsServiceException or AwsTransportException)
            {
                Console.Error.WriteLine($"   [vault-order] revoke {i}: {e.GetType().Name}: {e.Message}");
                revokeFailed += i >= warmUp ? 1 : 0;
            }
        }

        return new { IssueMs = issue, RevokeMs = revoke, IssueFailed = issueFailed, RevokeFailed = revokeFailed, IssueCalls = issueCalls, RevokeCalls = revokeCalls };
    }

    private static async Task<int> IssueAsync(IIamApi iam, Role role, string userName)
    {
        await iam.CreateUserAsync(userName, role.UserPath, role.PermissionsBoundaryArn);
        foreach (var arn in role.PolicyArns)
        {
            await iam.AttachUserPolicyAsync(userName, arn);
        }

        if (!string.IsNullOrEmpty(role.PolicyDocument))
        {
            await iam.PutUserPolicyAsync(userName, role.Name, role.PolicyDocument);
        }

        foreach (var group in role.IamGroups)
        {
            await iam.AddUserToGroupAsync(userName, group);
        }

        if (role.IamTags.Count > 0)
        {
            await iam.TagUserAsync(userName, role.IamTags);
        }

        await iam.CreateAccessKeyAsync(userName);
        return 2 + role.PolicyArns.Count + (string.IsNullOrEmpty(role.PolicyDocument) ? 0 : 1) + role.IamGroups.Count + (role.IamTags.Count > 0 ? 1 : 0);
    }

    private static async Task<int> RevokeAsync(IIamApi iam, string userName)
    {
        var groups = await iam.ListGroupsForUserAsync(userName);
        var inline = await iam.ListUserPoliciesAsync(userName);
        var attached = await iam.ListAttachedUserPoliciesAsync(userName);
        var keys = await iam.ListAccessKeysAsync(userName);
        foreach (var key in keys)
        {
            await iam.DeleteAccessKeyAsync(key.AccessKeyId, userName);
        }

        foreach (var policy in attached)
        {
            await iam.DetachUserPolicyAsync(userName, policy.PolicyArn);
        }

        foreach (var name in inline)
        {
            await iam.DeleteUserPolicyAsync(userName, name);
        }

        foreach (var group in groups)
        {
            await iam.RemoveUserFromGroupAsync(userName, group);
        }

        await iam.DeleteUserAsync(userName);
        return 5 + keys.Count + attached.Count + inline.Count + groups.Count;
    }
}
