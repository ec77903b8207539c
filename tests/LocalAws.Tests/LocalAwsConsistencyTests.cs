using System.Net;
using Xunit;
using DynamicAwsCreds.Tests.Shared;
using static LocalAws.Tests.LocalAwsHarness;

namespace LocalAws.Tests;

/// <summary>
/// --consistency-delay-ms: what IAM's eventual consistency looks like from outside. Each new thing gets its own random
/// delay within the bound, so each test makes several and expects at least one of them still unseen right after it
/// was made (all of them being seen within a few milliseconds of a 2-second bound does not happen in practice), and
/// every one of them seen once the bound has passed.
/// </summary>
public sealed class LocalAwsConsistencyTests
{
    private const int DelayMs = 2000;
    private static readonly TimeSpan PastTheBound = TimeSpan.FromMilliseconds(DelayMs + 200);

    private static readonly string[] ManagedPolicies =
        ["AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "IAMReadOnlyAccess", "SecurityAudit"];

    private static string Arn(string name) => $"arn:aws:iam::aws:policy/{name}";

    private static string Doc(string action) =>
        $"{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"{action}\",\"Resource\":\"*\"}}]}}";

    private static void NoSuchEntity(AwsAnswer answer, string message)
    {
        Assert.True(answer.Status == HttpStatusCode.NotFound && answer.ErrorCode == "NoSuchEntity", $"expected 404 NoSuchEntity, got {(int)answer.Status}: {answer.Body}");
        Assert.Equal("Sender", answer.ErrorType);
        Assert.Equal(message, answer.ErrorMessage);
    }

    [Fact]
    public async Task A_new_user_is_NoSuchEntity_to_other_calls_until_it_propagates_then_seen_by_all()
    {
        await using var aws = await StartAsync(o => o.ConsistencyDelayMs = DelayMs);
        var names = Enumerable.Range(1, 5).Select(i => $"eve{i}").ToList();
        var unseen = new List<string>();
        foreach (var name in names)
        {
            Ok(await aws.Root.IamAsync("CreateUser", ("UserName", name)));
            var got = await aws.Root.IamAsync("GetUser", ("UserName", name));
            if (got.Status != HttpStatusCode.OK)
            {
                NoSuchEntity(got, $"The user with name {name} cannot be found.");
                unseen.Add(name);
            }
        }

        Assert.NotEmpty(unseen);
        var listed = Ok(await aws.Root.IamAsync("ListUsers")).Values("UserName").ToList();
        var name0 = unseen[0];
        if (aws.Server.State.GetUser(name0) is not null && (await aws.Root.IamAsync("GetUser", ("UserName", name0))).Status != HttpStatusCode.OK)
        {
            // Still unseen: left out of ListUsers, NoSuchEntity to a call that needs it, but its name is taken already.
            Assert.DoesNotContain(name0, listed);
            NoSuchEntity(await aws.Root.IamAsync("AttachUserPolicy", ("UserName", name0), ("PolicyArn", Arn("ReadOnlyAccess"))), $"The user with name {name0} cannot be found.");
            var again = await aws.Root.IamAsync("CreateUser", ("UserName", name0));
            Assert.Equal((HttpStatusCode.Conflict, "EntityAlreadyExists"), (again.Status, again.ErrorCode));
        }

        Assert.Equal(names, aws.Server.State.Users.Select(u => u.UserName).Where(names.Contains));
        await Task.Delay(PastTheBound);
        foreach (var name in names)
        {
            Assert.Equal(name, Ok(await aws.Root.IamAsync("GetUser", ("UserName", name))).Value("UserName"));
        }

        Assert.Equal(names, Ok(await aws.Root.IamAsync("ListUsers")).Values("UserName").Where(names.Contains));
    }

    [Fact]
    public async Task Changes_to_a_user_are_left_out_of_Lists_until_they_propagate_while_DeleteUser_counts_them()
    {
        await using var aws = await StartAsync();
        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "kim")));
        var groups = Enumerable.Range(1, 5).Select(i => $"team{i}").ToList();
        foreach (var group in groups)
        {
            Ok(await aws.Root.IamAsync("CreateGroup", ("GroupName", group)));
        }

        var rewritten = Enumerable.Range(1, 5).Select(i => $"old{i}").ToList();
        foreach (var name in rewritten)
        {
            Ok(await aws.Root.IamAsync("PutUserPolicy", ("UserName", "kim"), ("PolicyName", name), ("PolicyDocument", Doc("s3:GetObject"))));
        }

        aws.Server.Options.ConsistencyDelayMs = DelayMs;
        foreach (var policy in ManagedPolicies)
        {
            Ok(await aws.Root.IamAsync("AttachUserPolicy", ("UserName", "kim"), ("PolicyArn", Arn(policy))));
        }

        foreach (var name in rewritten)
        {
            Ok(await aws.Root.IamAsync("PutUserPolicy", ("UserName", "kim"), ("PolicyName", name), ("PolicyDocument", Doc("s3:PutObject"))));
            Ok(await aws.Root.IamAsync("PutUserPolicy", ("UserName", "kim"), ("PolicyName", "new" + name), ("PolicyDocument", Doc("s3:ListBucket"))));
        }

        foreach (var group in groups)
        {
            Ok(await aws.Root.IamAsync("AddUserToGroup", ("UserName", "kim"), ("GroupName", group)));
        }

        var keys = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            keys.Add(Ok(await aws.Root.IamAsync("CreateAccessKey", ("UserName", "kim"))).Value("AccessKeyId")!);
        }

        // Right after: each List leaves out what has not reached it yet; a rewritten policy still reads as before.
        Assert.True(Ok(await aws.Root.IamAsync("ListAttachedUserPolicies", ("UserName", "kim"))).Values("PolicyArn").Count() < ManagedPolicies.Length);
        var inline = Ok(await aws.Root.IamAsync("ListUserPolicies", ("UserName", "kim"))).Values("member").ToList();
        Assert.Superset(rewritten.ToHashSet(), inline.ToHashSet());
        Assert.True(inline.Count < 2 * rewritten.Count);
        var read = new List<string>();
        foreach (var name in rewritten)
        {
            read.Add(Uri.UnescapeDataString(Ok(await aws.Root.IamAsync("GetUserPolicy", ("UserName", "kim"), ("PolicyName", name))).Value("PolicyDocument")!));
        }

        Assert.Contains(Doc("s3:GetObject"), read);
        Assert.True(Ok(await aws.Root.IamAsync("ListGroupsForUser", ("UserName", "kim"))).Values("GroupName").Count() < groups.Count);
        Assert.True(Ok(await aws.Root.IamAsync("ListAccessKeys", ("UserName", "kim"))).Values("AccessKeyId").Count() < keys.Count);

        // IAM's own check runs on what is committed: the user still has keys, policies and groups.
        var delete = await aws.Root.IamAsync("DeleteUser", ("UserName", "kim"));
        Assert.Equal((HttpStatusCode.Conflict, "DeleteConflict"), (delete.Status, delete.ErrorCode));

        await Task.Delay(PastTheBound);
        Assert.Equal(ManagedPolicies.Select(Arn).Order(), Ok(await aws.Root.IamAsync("ListAttachedUserPolicies", ("UserName", "kim"))).Values("PolicyArn").Order());
        Assert.Equal(2 * rewritten.Count, Ok(await aws.Root.IamAsync("ListUserPolicies", ("UserName", "kim"))).Values("member").Count());
        foreach (var name in rewritten)
        {
            Assert.Equal(Doc("s3:PutObject"), Uri.UnescapeDataString(Ok(await aws.Root.IamAsync("GetUserPolicy", ("UserName", "kim"), ("PolicyName", name))).Value("PolicyDocument")!));
        }

        Assert.Equal(groups, Ok(await aws.Root.IamAsync("ListGroupsForUser", ("UserName", "kim"))).Values("GroupName").Order());
        Assert.Equal(keys.Order(), Ok(await aws.Root.IamAsync("ListAccessKeys", ("UserName", "kim"))).Values("AccessKeyId").Order());
    }

    [Fact]
    public async Task Removing_what_is_not_seen_yet_is_NoSuchEntity_as_for_what_never_was()
    {
        await using var aws = await StartAsync();
        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "lee")));
        aws.Server.Options.ConsistencyDelayMs = DelayMs;
        var keys = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            keys.Add(Ok(await aws.Root.IamAsync("CreateAccessKey", ("UserName", "lee"))).Value("AccessKeyId")!);
        }

        var listed = Ok(await aws.Root.IamAsync("ListAccessKeys", ("UserName", "lee"))).Values("AccessKeyId").ToHashSet();
        var unseen = Assert.IsType<string>(keys.FirstOrDefault(k => !listed.Contains(k)), exactMatch: false);
        var delete = await aws.Root.IamAsync("DeleteAccessKey", ("UserName", "lee"), ("AccessKeyId", unseen));
        if (delete.Status != HttpStatusCode.OK)
        {
            NoSuchEntity(delete, $"The Access Key with id {unseen} cannot be found.");
        }

        await Task.Delay(PastTheBound);
        foreach (var key in keys.Where(k => aws.Server.State.FindAccessKey(k) is not null))
        {
            Ok(await aws.Root.IamAsync("DeleteAccessKey", ("UserName", "lee"), ("AccessKeyId", key)));
        }

        Ok(await aws.Root.IamAsync("DeleteUser", ("UserName", "lee")));
    }
}
