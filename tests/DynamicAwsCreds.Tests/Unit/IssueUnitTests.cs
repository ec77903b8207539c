using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Tests.Fakes;
using Xunit;

namespace DynamicAwsCreds.Tests.Unit;

/// <summary>Issuing through the facade on the in-memory store and the fake account: an iam_user, its rollback, and an assumed_role session.</summary>
public sealed class IssueUnitTests : EngineUnitTestBase
{
    [Fact]
    public async Task An_iam_user_issue_makes_an_active_lease_and_a_guarded_user_whose_marker_names_the_store_and_lease()
    {
        var issued = await IssueAsync();

        var lease = Engine.GetLease(issued.Lease.LeaseId);
        Assert.Equal(LeaseState.Active, lease.State);
        Assert.StartsWith("aws/creds/dev/", lease.LeaseId, StringComparison.Ordinal);
        Assert.Equal(Clock.Now + DefaultTtl, lease.ExpireTime);
        Assert.Equal(Clock.Now + MaxTtl, lease.MaxExpireTime);
        Assert.Null(lease.Owner);
        Assert.Empty(Store.ListPendingLeases());

        var user = Assert.Single(IssuedUsers);
        Assert.Equal(lease.UserName, user.UserName);
        Assert.Equal([ReadOnly], user.AttachedPolicyArns);
        var key = Assert.Single(user.AccessKeys);
        Assert.Equal(issued.AccessKeyId, key.AccessKeyId);
        Assert.Equal(key.SecretAccessKey, issued.SecretAccessKey);
        Assert.Null(issued.SessionToken);
        Assert.Equal(new OwnershipMarker(Engine.StoreId, lease.LeaseId, lease.ExpireTime), ExpiryGuard.ReadMarker(user.InlinePolicies[ExpiryGuard.PolicyName]));
        Assert.All(Aws.Calls, c => Assert.Equal(Aws.RootCredentials.AccessKeyId, c.SignedBy));
    }

    [Theory]
    [InlineData("AttachUserPolicy")]
    [InlineData("CreateAccessKey")]
    public async Task A_call_AWS_refuses_after_CreateUser_rolls_back_leaving_no_user_and_no_lease(string action)
    {
        Aws.Fail(action, AwsFault.ServiceFailure);

        var ex = await Assert.ThrowsAsync<EngineException>(() => IssueAsync());

        Assert.Equal("ServiceFailure", ex.AwsCode);
        Assert.Contains(Aws.Calls, c => c.Action == "CreateUser");
        Assert.Equal("DeleteUser", Aws.Calls[^1].Action);
        AssertNothingLeft();
    }

    [Fact]
    public async Task An_assumed_role_issue_is_an_STS_session_with_a_lease_that_is_not_renewable()
    {
        var roleArn = Aws.AddRole("deploy");
        Engine.SetRole(null, "deployer", new RoleInput { CredentialType = "assumed_role", RoleArns = [roleArn] });

        var issued = await IssueAsync("deployer");

        Assert.NotNull(issued.SessionToken);
        var lease = Engine.GetLease(issued.Lease.LeaseId);
        Assert.Equal("assumed_role", lease.CredentialType);
        Assert.Equal(LeaseState.Active, lease.State);
        Assert.False(lease.Renewable);
        Assert.Null(lease.UserName);
        Assert.StartsWith($"arn:aws:sts::{FakeAws.Account}:assumed-role/deploy/", lease.AssumedRoleArn, StringComparison.Ordinal);
        Assert.Equal(Clock.Now + DefaultTtl, lease.ExpireTime);
        Assert.Equal(["AssumeRole"], Aws.Calls.Select(c => c.Action));
        Assert.Empty(IssuedUsers);

        var renew = await Assert.ThrowsAsync<EngineException>(() => Engine.RenewLeaseAsync(lease.LeaseId, null, null, CancellationToken.None));
        Assert.Equal("LeaseNotRenewable", renew.Reason);
        Assert.Equal(lease.ExpireTime, Engine.GetLease(lease.LeaseId).ExpireTime);
    }
}
