using DynamicAwsCreds.Engine.Aws;
using Xunit;

namespace DynamicAwsCreds.Tests.Fakes;

/// <summary>The fakes answer as AWS does where engine tests depend on it, and fail as scripted.</summary>
public sealed class FakeAwsTests
{
    private const string ReadOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess";

    private static async Task<AwsServiceException> RefusedAsync(Func<Task> call, int status, string code)
    {
        var ex = await Assert.ThrowsAsync<AwsServiceException>(call);
        Assert.Equal((status, code, "iam"), (ex.StatusCode, ex.Code, ex.Service));
        Assert.Equal(status < 500, ex.IsSender);
        Assert.NotNull(ex.RequestId);
        return ex;
    }

    [Fact]
    public async Task DeleteUser_is_a_DeleteConflict_until_keys_policies_and_groups_are_gone()
    {
        var aws = new FakeAws();
        aws.AddGroup("devs");
        await aws.Iam.CreateUserAsync("alice");
        var key = await aws.Iam.CreateAccessKeyAsync("alice");
        await aws.Iam.AttachUserPolicyAsync("alice", ReadOnly);
        await aws.Iam.PutUserPolicyAsync("alice", "inline", """{"Version":"2012-10-17","Statement":[]}""");
        await aws.Iam.AddUserToGroupAsync("alice", "devs");

        var conflict = await RefusedAsync(() => aws.Iam.DeleteUserAsync("alice"), 409, "DeleteConflict");
        Assert.Equal("DeleteUser", conflict.Action);
        Assert.Equal("Cannot delete entity, must delete access keys first.", conflict.AwsMessage);
        await aws.Iam.DeleteAccessKeyAsync(key.AccessKeyId, "alice");
        await RefusedAsync(() => aws.Iam.DeleteUserAsync("alice"), 409, "DeleteConflict");
        await aws.Iam.DeleteUserPolicyAsync("alice", "inline");
        await RefusedAsync(() => aws.Iam.DeleteUserAsync("alice"), 409, "DeleteConflict");
        await aws.Iam.DetachUserPolicyAsync("alice", ReadOnly);
        var groups = await RefusedAsync(() => aws.Iam.DeleteUserAsync("alice"), 409, "DeleteConflict");
        Assert.Equal("Cannot delete entity, must remove users from group first.", groups.AwsMessage);
        await aws.Iam.RemoveUserFromGroupAsync("alice", "devs");

        await aws.Iam.DeleteUserAsync("alice");
        Assert.Null(aws.User("alice"));
        await RefusedAsync(() => aws.Iam.DeleteUserAsync("alice"), 404, "NoSuchEntity");
    }

    [Fact]
    public async Task A_third_access_key_is_LimitExceeded()
    {
        var aws = new FakeAws();
        await aws.Iam.CreateUserAsync("alice");
        await aws.Iam.CreateAccessKeyAsync("alice");
        await aws.Iam.CreateAccessKeyAsync("alice");

        var ex = await RefusedAsync(() => aws.Iam.CreateAccessKeyAsync("alice"), 409, "LimitExceeded");
        Assert.Equal("Cannot exceed quota for AccessKeysPerUser: 2", ex.AwsMessage);
        Assert.Equal(2, aws.User("alice")!.AccessKeys.Count);
    }

    [Fact]
    public async Task Names_in_use_and_things_that_do_not_exist_are_refused_as_IAM_refuses_them()
    {
        var aws = new FakeAws();
        await aws.Iam.CreateUserAsync("alice");

        await RefusedAsync(() => aws.Iam.CreateUserAsync("ALICE"), 409, "EntityAlreadyExists");
        await RefusedAsync(() => aws.Iam.GetUserAsync("bob"), 404, "NoSuchEntity");
        await RefusedAsync(() => aws.Iam.AddUserToGroupAsync("alice", "nobody"), 404, "NoSuchEntity");
        var policy = await RefusedAsync(() => aws.Iam.AttachUserPolicyAsync("alice", "arn:aws:iam::aws:policy/NoSuchPolicy"), 404, "NoSuchEntity");
        Assert.Equal("Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.", policy.AwsMessage);
        await aws.Iam.AttachUserPolicyAsync("alice", aws.AddManagedPolicy("team-policy"));
        await RefusedAsync(() => aws.Iam.CreateUserAsync(new string('a', 65)), 400, "ValidationError");
    }

    [Fact]
    public async Task Scripted_faults_fail_the_nth_call_as_the_Query_client_reports_them()
    {
        var aws = new FakeAws();
        aws.Fail("CreateUser", AwsFault.ServiceFailure, nth: 2);
        aws.Fail("CreateUser", AwsFault.NoAnswer, nth: 3);
        aws.Fail("CreateUser", AwsFault.AnswerLost, nth: 4);
        aws.Fail("CreateUser", AwsFault.Garbage, nth: 5);

        await aws.Iam.CreateUserAsync("u1");
        await RefusedAsync(() => aws.Iam.CreateUserAsync("u2"), 500, "ServiceFailure");
        await Assert.ThrowsAsync<AwsTransportException>(() => aws.Iam.CreateUserAsync("u3"));
        await Assert.ThrowsAsync<AwsTransportException>(() => aws.Iam.CreateUserAsync("u4"));
        await Assert.ThrowsAsync<InvalidDataException>(() => aws.Iam.CreateUserAsync("u5"));

        // Refused and unreached calls did nothing; a lost or garbled answer still means the work was done.
        Assert.Equal(["u1", "u4", "u5"], aws.Users.Select(u => u.UserName).Where(n => n.StartsWith('u')));
        Assert.Equal(["u1", "u2", "u3", "u4", "u5"], aws.Calls.Select(c => c.UserName));
        Assert.All(aws.Calls, c => Assert.Equal(("CreateUser", aws.RootCredentials.AccessKeyId), (c.Action, c.SignedBy)));
    }

    [Fact]
    public async Task A_retry_after_a_lost_answer_meets_its_own_work_and_says_so()
    {
        var aws = new FakeAws();
        aws.Fail("CreateUser", AwsFault.AnswerLostThenRetried);

        var ex = await RefusedAsync(() => aws.Iam.CreateUserAsync("alice"), 409, "EntityAlreadyExists");

        Assert.True(ex.AfterUncertainAttempt);
        Assert.NotNull(aws.User("alice"));
        var plain = await RefusedAsync(() => aws.Iam.CreateUserAsync("alice"), 409, "EntityAlreadyExists");
        Assert.False(plain.AfterUncertainAttempt);
    }

    [Fact]
    public async Task Sts_credentials_expire_after_the_duration_asked_for_and_sign_as_their_principal_until_then()
    {
        var clock = new FakeClock(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 600, TimeSpan.Zero));
        var aws = new FakeAws(clock);
        var roleArn = aws.AddRole("deploy", maxSession: TimeSpan.FromHours(2));

        var assumed = await aws.Sts.AssumeRoleAsync(new StsRequest(TimeSpan.FromMinutes(90)), roleArn, "s1", null);
        var federated = await aws.Sts.GetFederationTokenAsync(new StsRequest(TimeSpan.FromHours(20)), "fed");
        var session = await aws.Sts.GetSessionTokenAsync(TimeSpan.FromHours(1), null, null);

        var issued = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        Assert.Equal(issued + TimeSpan.FromMinutes(90), assumed.Expiration);
        Assert.Equal(issued + TimeSpan.FromHours(20), federated.Expiration);
        Assert.Equal(issued + TimeSpan.FromHours(1), session.Expiration);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/deploy/s1", assumed.PrincipalArn);

        var asRole = AsCaller(aws, assumed.AccessKeyId, assumed.SecretAccessKey, assumed.SessionToken);
        Assert.Equal(assumed.PrincipalArn, (await asRole.Sts.GetCallerIdentityAsync()).Arn);
        clock.Advance(TimeSpan.FromMinutes(90));
        var expired = await Assert.ThrowsAsync<AwsServiceException>(() => asRole.Sts.GetCallerIdentityAsync());
        Assert.Equal((403, "ExpiredToken"), (expired.StatusCode, expired.Code));

        var tooLong = await Assert.ThrowsAsync<AwsServiceException>(() => aws.Sts.AssumeRoleAsync(new StsRequest(TimeSpan.FromHours(3)), roleArn, "s2", null));
        Assert.Equal((400, "ValidationError"), (tooLong.StatusCode, tooLong.Code));
        var unknown = await Assert.ThrowsAsync<AwsServiceException>(() => aws.Sts.AssumeRoleAsync(new StsRequest(TimeSpan.FromHours(1)), "arn:aws:iam::123456789012:role/none", "s3", null));
        Assert.Equal((403, "AccessDenied"), (unknown.StatusCode, unknown.Code));
    }

    [Fact]
    public async Task Clients_from_the_factory_act_as_the_connection_credentials_and_a_deleted_key_stops_working()
    {
        var aws = new FakeAws();
        await aws.Iam.CreateUserAsync("alice");
        var key = await aws.Iam.CreateAccessKeyAsync("alice");
        var asAlice = AsCaller(aws, key.AccessKeyId, key.SecretAccessKey, null);

        Assert.Equal("arn:aws:iam::123456789012:user/alice", (await asAlice.Sts.GetCallerIdentityAsync()).Arn);
        Assert.Equal("alice", (await asAlice.Iam.GetUserAsync()).UserName);
        Assert.Equal(key.AccessKeyId, (await aws.Connections.Single().Credentials(default)).AccessKeyId);

        await aws.Iam.DeleteAccessKeyAsync(key.AccessKeyId, "alice");
        var refused = await Assert.ThrowsAsync<AwsServiceException>(() => asAlice.Sts.GetCallerIdentityAsync());
        Assert.Equal((403, "InvalidClientTokenId", "sts"), (refused.StatusCode, refused.Code, refused.Service));
    }

    private static AwsApis AsCaller(FakeAws aws, string accessKeyId, string secretAccessKey, string? sessionToken)
    {
        var endpoint = new QueryEndpoint(new Uri("https://iam.amazonaws.com/"), "us-east-1");
        var credentials = new AwsCredentials(accessKeyId, secretAccessKey, sessionToken);
        return aws.Create(new AwsConnection(endpoint, [endpoint], _ => ValueTask.FromResult(credentials), MaxRetries: 0));
    }
}
