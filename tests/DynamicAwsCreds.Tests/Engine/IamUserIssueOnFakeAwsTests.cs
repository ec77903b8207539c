using DynamicAwsCreds.Engine.Store.Sqlite;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Tests.Fakes;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>
/// Issuing, rolling back and revoking an iam_user on <see cref="FakeAws"/>, with no LocalAws: the issuer and the
/// revoker are driven directly, on a store of their own.
/// </summary>
public sealed class IamUserIssueOnFakeAwsTests : IDisposable
{
    private const string ReadOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    private const string UserName = "vault-dev-1700000000-abcdefghij";

    private readonly FakeAws _aws = new();
    private readonly TempStore _temp = new();
    private readonly SqliteLeaseStore _store;
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    private readonly Role _role = new()
    {
        Mount = "aws",
        Name = "dev",
        CredentialType = "iam_user",
        PolicyArns = [ReadOnly],
        PolicyDocument = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}""",
        IamGroups = ["devs"],
    };

    public IamUserIssueOnFakeAwsTests()
    {
        _store = SqliteLeaseStore.Open(_temp.StorePath);
        Assert.Null(_store.AddMount(new MountRecord("aws", "aws", null, null, null, _now)));
        _aws.AddGroup("devs");
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    private LeaseRecord Intent() =>
        new(LeaseIds.New("aws", "dev"), "aws", "dev", "iam_user", LeaseState.Pending, _now, _now.AddHours(1), _now.AddHours(2),
            null, Renewable: true, UserName, null, null, new LeaseOwner(Environment.MachineName, Environment.ProcessId, _now));

    /// <summary>Issues as the engine does: inside an operation, whose events the issuer reports to.</summary>
    private async Task<IssuedCredential> IssueAsync(LeaseRecord intent, IOperationEvents? events = null)
    {
        using var operation = EngineOperation.Begin(events, target: null);
        return await IamUserIssuer.IssueAsync(_aws.Iam, _store, _role, intent, CancellationToken.None);
    }

    /// <summary>Nothing of the issue is left: no user in IAM, no lease or intent in the store.</summary>
    private void AssertNothingLeft(LeaseRecord intent)
    {
        Assert.Null(_aws.User(UserName));
        Assert.Null(_store.GetLease(intent.LeaseId));
        Assert.Empty(_store.ListPendingLeases());
    }

    [Fact]
    public async Task Issue_then_revoke_leaves_no_user()
    {
        var issued = await IssueAsync(Intent());

        var user = _aws.User(UserName)!;
        Assert.Equal([ReadOnly], user.AttachedPolicyArns);
        Assert.Equal(["devs"], user.Groups);
        Assert.Equal([ExpiryGuard.PolicyName, "dev"], user.InlinePolicies.Keys);
        Assert.Equal(issued.AccessKeyId, user.AccessKeys.Single().AccessKeyId);
        Assert.Equal(LeaseState.Active, _store.GetLease(issued.Lease.LeaseId)!.State);

        Assert.Equal(UserCleanup.Deleted, await Revoker.DeleteUserAsync(_aws.Iam, UserName, CancellationToken.None));

        Assert.Null(_aws.User(UserName));
        var calls = _aws.Calls;
        Assert.All(calls, c => Assert.Equal(UserName, c.UserName));
        Assert.Equal("CreateUser", calls[0].Action);
        Assert.Equal(["AddUserToGroup", "AttachUserPolicy", "CreateAccessKey", "PutUserPolicy", "PutUserPolicy"], calls.Skip(1).Take(5).Select(c => c.Action).Order());
        Assert.Equal(["ListAccessKeys", "ListAttachedUserPolicies", "ListGroupsForUser", "ListUserPolicies"], calls.Skip(6).Take(4).Select(c => c.Action).Order());
        Assert.Equal("DeleteUser", calls[^1].Action);
    }

    [Theory]
    [InlineData("AttachUserPolicy", AwsFault.ServiceFailure)]
    [InlineData("AttachUserPolicy", AwsFault.AnswerLost)]
    [InlineData("PutUserPolicy", AwsFault.NoAnswer)]
    [InlineData("CreateAccessKey", AwsFault.Garbage)]
    public async Task A_failing_call_after_CreateUser_rolls_back_and_leaves_no_user(string action, AwsFault fault)
    {
        _aws.Fail(action, fault);
        var intent = Intent();

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => IssueAsync(intent));

        Assert.IsType(fault switch
        {
            AwsFault.ServiceFailure => typeof(AwsServiceException),
            AwsFault.Garbage => typeof(InvalidDataException),
            _ => typeof(AwsTransportException),
        }, ex);
        AssertNothingLeft(intent);
        Assert.Equal("DeleteUser", _aws.Calls[^1].Action);
    }

    [Fact]
    public async Task A_lost_CreateUser_answer_then_EntityAlreadyExists_is_the_issue_own_user_and_is_adopted()
    {
        _aws.Fail("CreateUser", AwsFault.AnswerLostThenRetried);

        var issued = await IssueAsync(Intent());

        Assert.Equal(LeaseState.Active, _store.GetLease(issued.Lease.LeaseId)!.State);
        Assert.Equal(issued.AccessKeyId, _aws.User(UserName)!.AccessKeys.Single().AccessKeyId);
    }

    [Fact]
    public async Task EntityAlreadyExists_without_an_uncertain_attempt_is_someone_else_user_and_is_left_untouched()
    {
        await _aws.Iam.CreateUserAsync(UserName);
        var before = _aws.Calls.Count;
        var intent = Intent();

        var ex = await Assert.ThrowsAsync<EngineException>(() => IssueAsync(intent));

        Assert.Equal(IamUserIssuer.UserNameTaken, ex.Reason);
        Assert.Equal(["CreateUser"], _aws.Calls.Skip(before).Select(c => c.Action));
        var user = _aws.User(UserName)!;
        Assert.Empty(user.AccessKeys);
        Assert.Empty(user.InlinePolicies);
        Assert.Null(_store.GetLease(intent.LeaseId));
    }

    [Fact]
    public async Task A_lost_CreateUser_answer_alone_proves_nothing_so_the_user_it_made_is_left_with_a_warning()
    {
        _aws.Fail("CreateUser", AwsFault.AnswerLost);
        var events = new RecordingEvents();
        var intent = Intent();

        await Assert.ThrowsAsync<AwsTransportException>(() => IssueAsync(intent, events));

        var user = _aws.User(UserName)!;
        Assert.Empty(user.AccessKeys);
        Assert.Empty(user.InlinePolicies);
        Assert.Null(_store.GetLease(intent.LeaseId));
        Assert.Contains(events.Warnings, w => w.Contains(UserName, StringComparison.Ordinal) && w.Contains("never confirmed", StringComparison.Ordinal));
    }
}
