using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Tests.Shared;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>
/// Issue, revoke and the wait for a new key against a LocalAws as eventually consistent as IAM: every new user,
/// policy, membership and key reaches other calls after a random 0–2 s, and a new key is refused for 2 s.
/// </summary>
public sealed class EventualConsistencyTests : EngineTestBase
{
    private const int DelayMs = 2000;

    protected override void Configure()
    {
        CreateGroup("devs");
        Engine.SetRole(null, "dev", new RoleInput
        {
            PolicyArns = [ReadOnly],
            IamGroups = ["devs"],
            PolicyDocument = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
        });
        Engine.SetRole(null, "fed", new RoleInput { CredentialType = "federation_token", PolicyArns = [ReadOnly] });
        Server.Options.ConsistencyDelayMs = DelayMs;
        Server.Options.KeyPropagationMs = DelayMs;
    }

    private Task<IssuedCredential> Issue() => Engine.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None);

    private TestSigner Signer(IssuedCredential issued) =>
        new(Server.Endpoint, issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken);

    private int NoSuchEntityAnswers => Server.State.Requests.Count(r => r.ErrorCode == "NoSuchEntity");

    [Fact]
    public async Task Issue_retries_NoSuchEntity_until_the_new_user_propagates()
    {
        var issued = new List<IssuedCredential>();
        for (var i = 0; i < 3; i++)
        {
            issued.Add(await Issue());
        }

        // IAM did answer NoSuchEntity to calls after CreateUser, and every issue still made the whole user.
        Assert.True(NoSuchEntityAnswers > 0);
        foreach (var credential in issued)
        {
            var user = Server.State.GetUser(credential.Lease.UserName!)!;
            Assert.Equal([ReadOnly], user.AttachedPolicyArns);
            Assert.Equal(["DynamicAwsCreds-ExpiryGuard", "dev"], user.InlinePolicies.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(["devs"], user.Groups);
            Assert.Equal(credential.AccessKeyId, Assert.Single(user.AccessKeys).AccessKeyId);
            Assert.Equal(LeaseState.Active, Engine.GetLease(credential.Lease.LeaseId).State);
        }
    }

    [Fact]
    public async Task Without_the_retry_issue_fails_with_NoSuchEntity()
    {
        Engine.PropagationBudget = TimeSpan.Zero;
        var failures = new List<EngineException>();
        for (var i = 0; i < 3; i++)
        {
            try
            {
                await Issue();
            }
            catch (EngineException ex)
            {
                failures.Add(ex);
            }
        }

        Assert.NotEmpty(failures);
        Assert.All(failures, f => Assert.Equal("NoSuchEntity", f.AwsCode));
    }

    [Fact]
    public async Task A_NoSuchEntity_about_a_policy_that_does_not_exist_fails_once_the_user_is_found()
    {
        Engine.SetRole(null, "bad", new RoleInput { PolicyArns = ["arn:aws:iam::aws:policy/NoSuchPolicyAnywhere"] });

        var ex = await Assert.ThrowsAsync<EngineException>(() => Engine.IssueCredentialAsync(null, "bad", null, null, CancellationToken.None));

        Assert.Equal("NoSuchEntity", ex.AwsCode);
        Assert.Contains("NoSuchPolicyAnywhere", ex.Message);
        // Rolled back: the user the issue made is deleted, though IAM may have shown it late.
        AssertNothingLeft();
    }

    [Fact]
    public async Task Rollback_deletes_a_user_IAM_does_not_show_yet()
    {
        // Every call after CreateUser fails at once, so the rollback starts while the new user is still unseen.
        foreach (var action in new[] { "AttachUserPolicy", "PutUserPolicy", "AddUserToGroup", "CreateAccessKey" })
        {
            Server.Options.AddFail(new FaultRule(action));
        }

        var ex = await Assert.ThrowsAsync<EngineException>(Issue);

        Assert.Equal("ServiceFailure", ex.AwsCode);
        AssertNothingLeft();
    }

    [Fact]
    public async Task Revoke_of_a_just_issued_lease_deletes_the_user_and_what_is_not_listed_yet()
    {
        var issued = await Issue();

        var outcome = await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);

        Assert.Equal(RevokeStatus.Revoked, outcome.Status);
        Assert.Empty(VaultUsers);
        Assert.Empty(Engine.ListLeases(null));
    }

    [Fact]
    public async Task Revoke_of_several_just_issued_leases_by_prefix_deletes_every_user()
    {
        var issued = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Issue()));

        var summary = await Engine.RevokeLeasesAsync(Engine.ListLeases("aws/creds/dev"), throttleLimit: 8, force: false, null, CancellationToken.None);

        Assert.Equal((issued.Length, 0), (summary.Revoked, summary.Failed));
        Assert.Empty(VaultUsers);
    }

    [Fact]
    public async Task Revoke_of_a_user_deleted_meanwhile_is_already_gone()
    {
        var issued = await Issue();
        await Task.Delay(DelayMs + 200);
        var user = issued.Lease.UserName!;
        RootCall("DeleteAccessKey", ("UserName", user), ("AccessKeyId", issued.AccessKeyId));
        RootCall("DeleteUserPolicy", ("UserName", user), ("PolicyName", ExpiryGuard.PolicyName));
        RootCall("DeleteUserPolicy", ("UserName", user), ("PolicyName", "dev"));
        RootCall("DetachUserPolicy", ("UserName", user), ("PolicyArn", ReadOnly));
        RootCall("RemoveUserFromGroup", ("UserName", user), ("GroupName", "devs"));
        RootCall("DeleteUser", ("UserName", user));
        var listsBefore = Server.State.CountRequests("ListAccessKeys");

        var outcome = await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);

        Assert.Equal(RevokeStatus.AlreadyGone, outcome.Status);
        // One round of Lists said so: a user nobody has found is not waited for.
        Assert.Equal(listsBefore + 1, Server.State.CountRequests("ListAccessKeys"));
        Assert.Empty(Engine.ListLeases(null));
    }

    [Fact]
    public async Task A_new_key_is_refused_at_first_and_handed_out_at_once_without_a_wait()
    {
        var issued = await Engine.IssueUsableCredentialAsync(null, "dev", null, new StsOptions(), usableWithin: null, null, CancellationToken.None);

        Assert.Equal("InvalidClientTokenId", (await Signer(issued).StsAsync("GetCallerIdentity")).ErrorCode);
    }

    [Fact]
    public async Task With_a_wait_the_new_key_is_handed_out_only_once_AWS_accepts_it()
    {
        var issued = await Engine.IssueUsableCredentialAsync(null, "dev", null, new StsOptions(), TimeSpan.FromSeconds(30), null, CancellationToken.None);

        var me = await Signer(issued).StsAsync("GetCallerIdentity");
        Assert.True(me.Status == System.Net.HttpStatusCode.OK, me.Body);
        Assert.EndsWith("user/" + issued.Lease.UserName, me.Value("Arn"));
        Assert.Contains(Server.State.Requests, r => r.AccessKeyId == issued.AccessKeyId && r.ErrorCode == "InvalidClientTokenId");
    }

    [Fact]
    public async Task A_key_not_accepted_in_time_is_revoked_and_nothing_is_handed_out()
    {
        Server.Options.KeyPropagationMs = 60_000;

        var ex = await Assert.ThrowsAsync<EngineException>(() =>
            Engine.IssueUsableCredentialAsync(null, "dev", null, new StsOptions(), TimeSpan.FromSeconds(1), null, CancellationToken.None));

        Assert.Equal("CredentialNotUsable", ex.Reason);
        Assert.Contains("revoked", ex.Message);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_wait_stopped_by_Ctrl_C_revokes_what_it_never_handed_out()
    {
        Server.Options.KeyPropagationMs = 60_000;
        using var stop = new CancellationTokenSource();
        var issuing = Engine.IssueUsableCredentialAsync(null, "dev", null, new StsOptions(), TimeSpan.FromSeconds(30), null, stop.Token);
        while (!Server.State.Requests.Any(r => r.Action == "GetCallerIdentity"))
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => issuing);
        AssertNothingLeft();
    }

    [Fact]
    public async Task The_wait_for_a_new_key_makes_no_call_for_STS_credentials()
    {
        var issued = await Engine.IssueCredentialAsync(null, "fed", null, null, CancellationToken.None);
        var before = Server.State.CountRequests("GetCallerIdentity");

        await Engine.WaitUntilNewKeyUsableAsync(issued, TimeSpan.FromSeconds(30), null, CancellationToken.None);

        Assert.Equal(before, Server.State.CountRequests("GetCallerIdentity"));
    }

    [Fact]
    public async Task The_cache_keeps_a_new_key_only_once_AWS_accepts_it_so_a_hit_needs_no_wait()
    {
        var first = await Engine.GetOrIssueCachedCredentialAsync(null, "dev", null, new StsOptions(), TimeSpan.FromSeconds(30), null, CancellationToken.None);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await Signer(first).StsAsync("GetCallerIdentity")).Status);
        var probes = Server.State.CountRequests("GetCallerIdentity");

        var hit = await Engine.GetOrIssueCachedCredentialAsync(null, "dev", null, new StsOptions(), TimeSpan.FromSeconds(30), null, CancellationToken.None);

        Assert.Equal(first.AccessKeyId, hit.AccessKeyId);
        Assert.Equal(probes, Server.State.CountRequests("GetCallerIdentity"));
    }
}
