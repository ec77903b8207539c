using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Store.Sqlite;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>Static roles end to end on LocalAws and a SQLite store: the managed key signs as its user, rotation retires the old key.</summary>
public sealed class EngineStaticRoleTests : EngineTestBase
{
    private static readonly TimeSpan Period = TimeSpan.FromHours(1);

    protected override void Configure() => RootCall("CreateUser", ("UserName", "app-user"));

    private IEnumerable<string> AppKeys => Server.State.Users.Single(u => u.UserName == "app-user").AccessKeys.Select(k => k.AccessKeyId);

    private async Task<string?> CallerOfAsync(string accessKeyId, string secret)
    {
        var answer = await Root.WithKey(accessKeyId, secret).StsAsync("GetCallerIdentity");
        return answer.Status == System.Net.HttpStatusCode.OK ? answer.Value("Arn") : answer.ErrorCode;
    }

    [Fact]
    public async Task The_managed_key_signs_as_its_user_and_a_rotation_retires_the_old_key()
    {
        var role = await Engine.SetStaticRoleAsync(null, "app", "app-user", Period, null, CancellationToken.None);
        var first = await Engine.GetStaticCredentialAsync(null, "app", null, CancellationToken.None);

        Assert.Equal((role.AccessKeyId, "app-user"), (first.AccessKeyId, first.UserName));
        Assert.Equal($"arn:aws:iam::{Account}:user/app-user", await CallerOfAsync(first.AccessKeyId, first.SecretAccessKey));

        Now += Period;
        var second = await Engine.GetStaticCredentialAsync(null, "app", null, CancellationToken.None);

        Assert.NotEqual(first.AccessKeyId, second.AccessKeyId);
        Assert.Equal([second.AccessKeyId], AppKeys);
        Assert.Equal("InvalidClientTokenId", await CallerOfAsync(first.AccessKeyId, first.SecretAccessKey));
        Assert.Equal($"arn:aws:iam::{Account}:user/app-user", await CallerOfAsync(second.AccessKeyId, second.SecretAccessKey));
        Assert.Equal(Now + Period, second.NextRotation);
    }

    [Fact]
    public async Task A_failed_delete_of_the_old_key_is_finished_by_the_next_rotation_in_another_engine()
    {
        var role = await Engine.SetStaticRoleAsync(null, "app", "app-user", Period, null, CancellationToken.None);
        Server.Options.AddFail(new FaultRule("DeleteAccessKey"));

        var rotated = await Engine.RotateStaticCredentialAsync(null, "app", null, CancellationToken.None);

        Assert.Equal(new[] { role.AccessKeyId, rotated.AccessKeyId }.Order(StringComparer.Ordinal), AppKeys.Order(StringComparer.Ordinal));
        Server.Options.ClearFaults();
        using var other = new CredsEngine(Temp.StorePath, displayName: "other", clock: () => Now + Period);

        var summary = await other.RotateDueStaticCredentialsAsync(null, null, CancellationToken.None);

        var current = other.GetStaticRole(null, "app").AccessKeyId;
        Assert.Equal((1, 0), (summary.Rotated, summary.Failed));
        Assert.Equal([current], AppKeys);
        using var store = SqliteLeaseStore.Open(Temp.StorePath);
        Assert.Null(store.GetStaticRole("aws", "app")!.PreviousAccessKeyId);
    }

    [Fact]
    public async Task Disabling_the_mount_forgets_its_static_roles_and_leaves_the_user_and_its_key()
    {
        var role = await Engine.SetStaticRoleAsync(null, "app", "app-user", Period, null, CancellationToken.None);

        await Engine.DisableMountAsync(null, 4, force: false, null, CancellationToken.None);

        Assert.Equal([role.AccessKeyId], AppKeys);
        Engine.EnableMount("aws", "aws", null, null, null);
        Assert.Empty(Engine.GetStaticRoles(null));
    }
}
