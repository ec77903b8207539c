using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Sqlite;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>The engine against an in-process LocalAws: issue, revoke, rollback, intents.</summary>
public sealed class EngineIssueRevokeTests : EngineTestBase
{
    protected override void Configure() => Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });

    private Task<IssuedCredential> Issue(string role = "dev") => Engine.IssueCredentialAsync(null, role, null, null, CancellationToken.None);

    [Fact]
    public async Task Issue_creates_the_user_with_policies_expiry_guard_and_key_then_revoke_deletes_it()
    {
        var issued = await Issue();

        var user = Assert.Single(VaultUsers);
        Assert.Equal(issued.Lease.UserName, user.UserName);
        Assert.StartsWith("vault-tester-dev-", user.UserName);
        Assert.Equal([ReadOnly], user.AttachedPolicyArns);
        Assert.Contains(ExpiryGuard.PolicyName, user.InlinePolicies.Keys);
        Assert.Contains("aws:CurrentTime", user.InlinePolicies[ExpiryGuard.PolicyName]);
        Assert.Equal(issued.AccessKeyId, Assert.Single(user.AccessKeys).AccessKeyId);
        Assert.Equal(TimeSpan.FromHours(768), issued.Lease.ExpireTime - issued.Lease.IssueTime);
        Assert.Equal(LeaseState.Active, Engine.GetLease(issued.Lease.LeaseId).State);

        var outcome = await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);
        Assert.Equal(RevokeStatus.Revoked, outcome.Status);
        Assert.Empty(VaultUsers);
        Assert.Equal("LeaseNotFound", Assert.Throws<EngineException>(() => Engine.GetLease(issued.Lease.LeaseId)).Reason);
    }

    [Fact]
    public async Task The_intent_row_exists_before_CreateUser_is_answered()
    {
        Server.Options.SetDelay("CreateUser", 700);
        var issuing = Issue();
        var store = SqliteLeaseStore.Open(Temp.StorePath);
        LeaseRecord? intent = null;
        for (var i = 0; i < 100 && intent is null; i++)
        {
            await Task.Delay(20);
            intent = store.ListPendingLeases().SingleOrDefault();
        }

        Assert.NotNull(intent);
        Assert.Equal(Environment.ProcessId, intent!.Owner!.ProcessId);
        Assert.DoesNotContain(Server.State.Users, u => u.UserName == intent.UserName);
        var issued = await issuing;
        Assert.Equal(intent.LeaseId, issued.Lease.LeaseId);
        Assert.Empty(store.ListPendingLeases());
    }

    [Theory]
    [InlineData("CreateUser")]
    [InlineData("AttachUserPolicy")]
    [InlineData("PutUserPolicy")]
    [InlineData("AddUserToGroup")]
    [InlineData("CreateAccessKey")]
    public async Task A_failure_at_any_step_leaves_no_user_and_no_lease(string action)
    {
        CreateGroup("devs");
        Engine.SetRole(null, "dev", new RoleInput { PolicyDocument = "{\"Version\":\"2012-10-17\",\"Statement\":[]}", IamGroups = ["devs"] });
        Server.Options.AddFail(new FaultRule(action, 1));

        var ex = await Assert.ThrowsAsync<EngineException>(() => Issue());
        Assert.Equal("AwsUnavailable", ex.Reason);
        Assert.Equal("ServiceFailure", ex.AwsCode);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_failed_store_write_after_AWS_succeeded_rolls_the_user_back()
    {
        Server.Options.SetDelay("CreateAccessKey", 500);
        var issuing = Issue();
        using (var store = SqliteLeaseStore.Open(Temp.StorePath))
        {
            LeaseRecord? intent = null;
            for (var i = 0; i < 100 && intent is null; i++)
            {
                await Task.Delay(10);
                intent = store.ListPendingLeases().SingleOrDefault();
            }

            // Another hand removes the row: activating it (the last store write) now fails.
            Assert.True(store.DeleteLease(intent!.LeaseId));
        }

        var ex = await Assert.ThrowsAsync<EngineException>(() => issuing);
        Assert.Equal("StoreWriteFailed", ex.Reason);
        Assert.Empty(VaultUsers);
        Assert.Empty(Engine.ListLeases(null));
    }

    [Theory]
    [InlineData("ListGroupsForUser")]
    [InlineData("ListUserPolicies")]
    [InlineData("ListAttachedUserPolicies")]
    [InlineData("ListAccessKeys")]
    [InlineData("DeleteUserPolicy")]
    [InlineData("DetachUserPolicy")]
    [InlineData("DeleteAccessKey")]
    [InlineData("DeleteUser")]
    public async Task A_failure_at_any_step_of_revoking_keeps_the_lease_and_a_retry_finishes(string action)
    {
        var issued = await Issue();
        Server.Options.AddFail(new FaultRule(action, 1));

        var failed = await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);
        Assert.Equal(RevokeStatus.Failed, failed.Status);
        Assert.Equal("ServiceFailure", failed.Error!.AwsCode);
        Assert.Equal(issued.Lease.LeaseId, Engine.GetLease(issued.Lease.LeaseId).LeaseId);
        Assert.True(Server.State.UserExists(issued.Lease.UserName!));

        var retried = await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);
        Assert.Equal(RevokeStatus.Revoked, retried.Status);
        Assert.Empty(VaultUsers);
        Assert.Empty(Engine.ListLeases(null));
    }

    [Fact]
    public async Task Revoke_removes_every_kind_of_attachment_before_DeleteUser()
    {
        CreateGroup("devs");
        Engine.SetRole(null, "dev", new RoleInput { IamGroups = ["devs"], PolicyDocument = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" });
        var issued = await Issue();
        var user = issued.Lease.UserName!;
        // What someone might add by hand after issue: revoke must still delete the user.
        RootCall("CreateLoginProfile", ("UserName", user), ("Password", "Correct-Horse-9"));
        RootCall("UploadSSHPublicKey", ("UserName", user), ("SSHPublicKeyBody", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 test@example"));
        RootCall("CreateAccessKey", ("UserName", user));

        var outcome = await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);
        Assert.Equal(RevokeStatus.Revoked, outcome.Status);
        Assert.Empty(VaultUsers);
    }

    [Fact]
    public async Task Revoking_a_lease_whose_user_is_gone_counts_as_revoked()
    {
        var issued = await Issue();
        var user = issued.Lease.UserName!;
        RootCall("DeleteAccessKey", ("UserName", user), ("AccessKeyId", issued.AccessKeyId));
        RootCall("DeleteUserPolicy", ("UserName", user), ("PolicyName", ExpiryGuard.PolicyName));
        RootCall("DetachUserPolicy", ("UserName", user), ("PolicyArn", ReadOnly));
        RootCall("DeleteUser", ("UserName", user));

        var outcome = await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);
        Assert.Equal(RevokeStatus.AlreadyGone, outcome.Status);
        Assert.Empty(Engine.ListLeases(null));
    }

    [Fact]
    public async Task A_failed_revoke_keeps_the_lease_and_force_forgets_it_with_a_warning()
    {
        var issued = await Issue();
        Server.Options.AddFail(new FaultRule("DeleteUser"));

        var failed = await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);
        Assert.Equal(RevokeStatus.Failed, failed.Status);
        Assert.Equal("RevokeFailed", failed.Error!.Reason);
        Assert.NotNull(Engine.GetLease(issued.Lease.LeaseId));

        var events = new RecordingEvents();
        var forced = await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: true, events, CancellationToken.None);
        Assert.Equal(RevokeStatus.Forgotten, forced.Status);
        Assert.Contains(events.Warnings, w => w.Contains(issued.Lease.UserName!, StringComparison.Ordinal));
        Assert.Empty(Engine.ListLeases(null));
    }

    [Fact]
    public async Task Prefix_revocation_runs_in_parallel_and_leaves_nothing()
    {
        var issued = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Issue()));
        var leases = Engine.ResolveRevokePrefix("aws/creds/dev");
        Assert.Equal(12, leases.Count);
        var summary = await Engine.RevokeLeasesAsync(leases, 8, force: false, null, CancellationToken.None);
        Assert.Equal(12, summary.Revoked);
        Assert.Empty(VaultUsers);
        Assert.Empty(Engine.ListLeases("aws/"));
    }

    [Fact]
    public async Task A_prefix_that_is_a_lease_id_means_that_lease_as_in_vault()
    {
        var one = await Issue();
        await Issue();
        var resolved = Engine.ResolveRevokePrefix(one.Lease.LeaseId);
        Assert.Equal(one.Lease.LeaseId, Assert.Single(resolved).LeaseId);
    }

    [Fact]
    public async Task No_secret_reaches_the_store_folder()
    {
        var issued = await Task.WhenAll(Issue(), Issue());
        var bytes = Temp.AllBytesAsLatin1();
        Assert.DoesNotContain(Server.Options.RootSecretAccessKey, bytes);
        Assert.All(issued, i => Assert.DoesNotContain(i.SecretAccessKey, bytes));
        Assert.All(issued, i => Assert.DoesNotContain(i.SecretAccessKey, i.ToString()));
    }
}

/// <summary>Every iam_user field of a role reaches IAM as Vault sends it.</summary>
public sealed class IamUserFieldTests : EngineTestBase
{
    [Fact]
    public async Task Document_groups_tags_path_and_boundary_all_reach_the_user()
    {
        Ok(await Root.IamAsync("CreateGroup", ("GroupName", "devs")));
        Engine.SetRole(null, "full", new RoleInput
        {
            PolicyArns = ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"],
            PolicyDocument = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [ { \"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\" } ]\n}",
            IamGroups = ["devs"],
            IamTags = new Dictionary<string, string> { ["team"] = "blue", ["cost-center"] = "42" },
            UserPath = "/dynamic/",
            PermissionsBoundaryArn = "arn:aws:iam::aws:policy/PowerUserAccess",
        });

        var issued = await Engine.IssueCredentialAsync(null, "full", null, null, CancellationToken.None);
        var user = Server.State.GetUser(issued.Lease.UserName!)!;
        Assert.Equal("/dynamic/", user.Path);
        Assert.Equal("arn:aws:iam::aws:policy/PowerUserAccess", user.PermissionsBoundaryArn);
        Assert.Equal(["devs"], user.Groups);
        Assert.Contains(new KeyValuePair<string, string>("team", "blue"), user.Tags);
        Assert.Contains(new KeyValuePair<string, string>("cost-center", "42"), user.Tags);
        // Tags ride in CreateUser itself, so no separate TagUser call is needed (nor its permission).
        Assert.Equal(0, Server.State.CountRequests("TagUser"));
        Assert.Equal(2, user.AttachedPolicyArns.Count);
        Assert.Equal("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}", user.InlinePolicies["full"]);

        await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, false, null, CancellationToken.None);
        Assert.False(Server.State.UserExists(issued.Lease.UserName!));
    }

    [Fact]
    public async Task The_largest_document_the_role_rules_allow_fits_iams_per_user_budget()
    {
        string Document(int padding) =>
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::" + new string('x', padding) + "\"}]}";

        var guard = ExpiryGuard.Length("aws", "big");
        Engine.SetRole(null, "big", new RoleInput { PolicyDocument = Document(RoleRules.UserInlinePolicyLimit - guard - Document(0).Length) });
        var issued = await Engine.IssueCredentialAsync(null, "big", null, null, CancellationToken.None);
        Assert.Equal(2, Server.State.GetUser(issued.Lease.UserName!)!.InlinePolicies.Count);
    }
}
