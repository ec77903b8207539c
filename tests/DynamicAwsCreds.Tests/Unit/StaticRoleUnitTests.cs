using System.Reflection;
using System.Runtime.ExceptionServices;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.StaticRoles;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Tests.Engine;
using DynamicAwsCreds.Tests.Fakes;
using Xunit;

namespace DynamicAwsCreds.Tests.Unit;

/// <summary>
/// Static roles through the facade on FakeAws: taking an existing user's key into management, rotation when due and
/// on demand, every step of a rotation failing and the retry that finishes it, and two rotations of one role at once.
/// </summary>
public sealed class StaticRoleUnitTests : EngineUnitTestBase
{
    private static readonly TimeSpan Period = TimeSpan.FromHours(1);
    private readonly FakeUser _app;

    public StaticRoleUnitTests() => _app = Aws.AddUser("app-user");

    private IEnumerable<string> AppKeys => _app.AccessKeys.Select(k => k.AccessKeyId);

    private int CallCount(string action) => Aws.Calls.Count(c => c.Action == action);

    /// <summary>Makes the next call of <paramref name="action"/> fail.</summary>
    private void FailNext(string action, AwsFault fault) => Aws.Fail(action, fault, CallCount(action) + 1);

    private Task<StaticRole> SetAsync(string name = "app", string user = "app-user", TimeSpan? period = null, CredsEngine? engine = null) =>
        (engine ?? Engine).SetStaticRoleAsync(null, name, user, period ?? Period, null, CancellationToken.None);

    private Task<StaticCredential> CredentialAsync(string name = "app", IOperationEvents? events = null) =>
        Engine.GetStaticCredentialAsync(null, name, events, CancellationToken.None);

    private Task<StaticRole> RotateAsync(string name = "app", IOperationEvents? events = null) =>
        Engine.RotateStaticCredentialAsync(null, name, events, CancellationToken.None);

    /// <summary>The stored current key is the user's and its secret opens to the key's own secret.</summary>
    private async Task AssertCurrentKeyWorksAsync()
    {
        var credential = await CredentialAsync();
        var key = Assert.Single(_app.AccessKeys, k => k.AccessKeyId == credential.AccessKeyId);
        Assert.Equal(key.SecretAccessKey, credential.SecretAccessKey);
    }

    [Fact]
    public async Task Setting_a_static_role_checks_the_user_and_makes_its_first_managed_key()
    {
        var before = Clock.Now;

        var role = await SetAsync();

        Assert.Equal(["GetUser", "ListAccessKeys", "CreateAccessKey"], Aws.Calls.Where(c => c.UserName == "app-user").Select(c => c.Action));
        Assert.Equal((role.AccessKeyId, before, before + Period), (Assert.Single(AppKeys), role.LastRotated, role.NextRotation));
        await AssertCurrentKeyWorksAsync();
    }

    [Fact]
    public async Task A_key_the_user_held_before_stays_until_a_rotation_needs_its_slot()
    {
        await Aws.Iam.CreateAccessKeyAsync("app-user");
        var original = Assert.Single(AppKeys);

        var role = await SetAsync();
        Assert.Equal([original, role.AccessKeyId], AppKeys);

        var rotated = await RotateAsync();

        Assert.Equal([rotated.AccessKeyId], AppKeys);
        Assert.Equal(["DeleteAccessKey", "CreateAccessKey", "DeleteAccessKey"],
            Aws.Calls.Where(c => c.UserName == "app-user").Select(c => c.Action).SkipWhile(a => a != "DeleteAccessKey"));
    }

    [Fact]
    public async Task A_user_with_two_keys_of_its_own_is_refused_and_nothing_changes()
    {
        await Aws.Iam.CreateAccessKeyAsync("app-user");
        await Aws.Iam.CreateAccessKeyAsync("app-user");
        var keys = AppKeys.ToList();

        var error = await Assert.ThrowsAsync<EngineException>(() => SetAsync());

        Assert.Equal(("StaticUserHasTwoKeys", ErrorKind.LimitsExceeded, "app-user"), (error.Reason, error.Kind, error.Target));
        Assert.Equal(keys, AppKeys);
        Assert.Empty(Engine.GetStaticRoles(null));
    }

    [Fact]
    public async Task An_unknown_user_or_a_period_under_a_minute_is_refused_before_any_key_is_made()
    {
        var unknown = await Assert.ThrowsAsync<EngineException>(() => SetAsync(user: "nobody"));
        var bad = await Assert.ThrowsAsync<EngineException>(() => SetAsync(period: TimeSpan.FromSeconds(59)));
        var badUser = await Assert.ThrowsAsync<EngineException>(() => SetAsync(user: "no/slash"));

        Assert.Equal(("StaticUserNotFound", ErrorKind.ObjectNotFound, "nobody"), (unknown.Reason, unknown.Kind, unknown.Target));
        Assert.Equal(("InvalidRotationPeriod", ErrorKind.InvalidArgument), (bad.Reason, bad.Kind));
        Assert.Equal(("InvalidUserName", ErrorKind.InvalidArgument), (badUser.Reason, badUser.Kind));
        Assert.Equal(0, CallCount("CreateAccessKey"));
        Assert.Empty(Engine.GetStaticRoles(null));
    }

    [Fact]
    public async Task Setting_again_changes_the_period_without_a_rotation_but_not_the_user()
    {
        var role = await SetAsync();
        var calls = Aws.Calls.Count;

        var changed = await SetAsync(period: TimeSpan.FromMinutes(30));
        var error = await Assert.ThrowsAsync<EngineException>(() => SetAsync(user: "other-user"));

        Assert.Equal((role.AccessKeyId, role.LastRotated + TimeSpan.FromMinutes(30)), (changed.AccessKeyId, changed.NextRotation));
        Assert.Equal(calls, Aws.Calls.Count);
        Assert.Equal("StaticRoleUserChanged", error.Reason);
        Assert.Equal(TimeSpan.FromMinutes(30), Engine.GetStaticRole(null, "app").RotationPeriod);
    }

    [Fact]
    public async Task The_credential_is_the_current_key_until_the_period_passes_then_a_rotated_one()
    {
        var role = await SetAsync();
        var calls = Aws.Calls.Count;

        var first = await CredentialAsync();
        Clock.Advance(Period - TimeSpan.FromMilliseconds(1));
        Assert.Equal(first, await CredentialAsync());
        Assert.Equal(calls, Aws.Calls.Count);

        Clock.Advance(TimeSpan.FromMilliseconds(1));
        var events = new RecordingEvents();
        var rotated = await CredentialAsync(events: events);

        Assert.NotEqual(role.AccessKeyId, rotated.AccessKeyId);
        Assert.Equal([rotated.AccessKeyId], AppKeys);
        Assert.Equal((Clock.Now, Clock.Now + Period), (rotated.LastRotated, rotated.NextRotation));
        Assert.Null(Store.GetStaticRole("aws", "app")!.PreviousAccessKeyId);
        Assert.DoesNotContain(events.Warnings, w => w.Contains(rotated.SecretAccessKey, StringComparison.Ordinal));
        await AssertCurrentKeyWorksAsync();
    }

    [Theory]
    [InlineData("ListAccessKeys", AwsFault.ServiceFailure)]
    [InlineData("ListAccessKeys", AwsFault.NoAnswer)]
    [InlineData("CreateAccessKey", AwsFault.ServiceFailure)]
    [InlineData("CreateAccessKey", AwsFault.AnswerLost)]
    [InlineData("CreateAccessKey", AwsFault.Garbage)]
    public async Task A_rotation_that_fails_before_the_new_key_is_stored_keeps_the_current_key_and_a_retry_finishes(string action, AwsFault fault)
    {
        var role = await SetAsync();
        FailNext(action, fault);

        await Assert.ThrowsAsync<EngineException>(() => RotateAsync());

        Assert.Equal(role.AccessKeyId, Engine.GetStaticRole(null, "app").AccessKeyId);
        await AssertCurrentKeyWorksAsync();
        var rotated = await RotateAsync();
        Assert.Equal([rotated.AccessKeyId], AppKeys);
        await AssertCurrentKeyWorksAsync();
    }

    [Fact]
    public async Task A_failed_delete_of_the_key_that_makes_room_leaves_everything_and_a_retry_finishes()
    {
        var role = await SetAsync();
        await Aws.Iam.CreateAccessKeyAsync("app-user");
        var keys = AppKeys.ToList();
        var created = CallCount("CreateAccessKey");
        FailNext("DeleteAccessKey", AwsFault.ServiceFailure);

        await Assert.ThrowsAsync<EngineException>(() => RotateAsync());

        Assert.Equal(keys, AppKeys);
        Assert.Equal(created, CallCount("CreateAccessKey"));
        Assert.Equal(role.AccessKeyId, Engine.GetStaticRole(null, "app").AccessKeyId);
        var rotated = await RotateAsync();
        Assert.Equal([rotated.AccessKeyId], AppKeys);
    }

    [Fact]
    public async Task A_store_write_that_fails_deletes_the_new_key_and_keeps_the_current_one()
    {
        var role = await SetAsync();
        using var failing = new CredsEngine(Options(Environment.MachineName) with
        {
            Store = new Lazy<ILeaseStore>(FailingStaticRoleWrites.Over(Store)),
        });

        var error = await Assert.ThrowsAsync<EngineException>(() => failing.RotateStaticCredentialAsync(null, "app", null, CancellationToken.None));

        Assert.Equal("StoreUnavailable", error.Reason);
        Assert.Equal([role.AccessKeyId], AppKeys);
        Assert.Equal(2, CallCount("CreateAccessKey"));
        await AssertCurrentKeyWorksAsync();
        var rotated = await RotateAsync();
        Assert.Equal([rotated.AccessKeyId], AppKeys);
    }

    [Theory]
    [InlineData(AwsFault.ServiceFailure)]
    [InlineData(AwsFault.AnswerLost)]
    public async Task A_failed_delete_of_the_old_key_is_a_warning_and_the_next_rotation_deletes_it(AwsFault fault)
    {
        var role = await SetAsync();
        FailNext("DeleteAccessKey", fault);
        var events = new RecordingEvents();

        var rotated = await RotateAsync(events: events);

        Assert.Contains(events.Warnings, w => w.Contains(role.AccessKeyId, StringComparison.Ordinal) && w.Contains("next rotation", StringComparison.Ordinal));
        Assert.Equal(role.AccessKeyId, Store.GetStaticRole("aws", "app")!.PreviousAccessKeyId);
        await AssertCurrentKeyWorksAsync();

        var again = await RotateAsync();

        Assert.Equal([again.AccessKeyId], AppKeys);
        Assert.Null(Store.GetStaticRole("aws", "app")!.PreviousAccessKeyId);
        Assert.NotEqual(rotated.AccessKeyId, again.AccessKeyId);
    }

    [Fact]
    public async Task Two_requests_for_a_due_credential_at_once_rotate_it_once()
    {
        await SetAsync();
        Clock.Advance(Period);
        var pause = Aws.Pause("CreateAccessKey");

        var first = CredentialAsync();
        await pause.Reached;
        var second = CredentialAsync();
        pause.Release();
        var both = await Task.WhenAll(first, second);

        Assert.Equal(both[0], both[1]);
        Assert.Equal(2, CallCount("CreateAccessKey"));
        Assert.Equal([both[0].AccessKeyId], AppKeys);
    }

    [Fact]
    public async Task The_due_sweep_rotates_only_roles_whose_period_passed_and_reports_failures_without_stopping()
    {
        Aws.AddUser("other-user");
        Aws.AddUser("later-user");
        var before = new[] { await SetAsync(), await SetAsync("other", "other-user") }.ToDictionary(r => r.Name, r => r.AccessKeyId);
        var later = await SetAsync("later", "later-user", TimeSpan.FromHours(2));
        FailNext("ListAccessKeys", AwsFault.ServiceFailure);
        Clock.Advance(Period);

        var summary = await Engine.RotateDueStaticCredentialsAsync(null, null, CancellationToken.None);

        Assert.Equal((1, 1), (summary.Rotated, summary.Failed));
        Assert.Equal(["app", "other"], summary.Outcomes.Select(o => o.Name).Order());
        var failed = summary.Outcomes.Single(o => o.Error is not null);
        var done = summary.Outcomes.Single(o => o.Error is null);
        Assert.Equal(("AwsUnavailable", before[failed.Name]), (failed.Error!.Reason, Engine.GetStaticRole(null, failed.Name).AccessKeyId));
        Assert.Equal(done.AccessKeyId, Engine.GetStaticRole(null, done.Name).AccessKeyId);
        Assert.NotEqual(before[done.Name], done.AccessKeyId);
        Assert.Equal(later.AccessKeyId, Engine.GetStaticRole(null, "later").AccessKeyId);

        var retry = await Engine.RotateDueStaticCredentialsAsync(null, null, CancellationToken.None);
        Assert.Equal((1, 0, failed.Name), (retry.Rotated, retry.Failed, Assert.Single(retry.Outcomes).Name));
    }

    [Fact]
    public async Task Removing_a_static_role_leaves_the_user_and_its_current_key()
    {
        var role = await SetAsync();
        var calls = Aws.Calls.Count;

        Engine.RemoveStaticRole(null, "app");

        Assert.Equal([role.AccessKeyId], AppKeys);
        Assert.NotNull(Aws.User("app-user"));
        Assert.Equal(calls, Aws.Calls.Count);
        Assert.Equal("StaticRoleNotFound", Assert.Throws<EngineException>(() => Engine.GetStaticRole(null, "app")).Reason);
    }

    /// <summary>A store whose static-role writes fail as a database that cannot be written does.</summary>
    public class FailingStaticRoleWrites : DispatchProxy
    {
        private ILeaseStore _inner = null!;

        public static ILeaseStore Over(ILeaseStore inner)
        {
            var proxy = Create<ILeaseStore, FailingStaticRoleWrites>();
            ((FailingStaticRoleWrites)(object)proxy)._inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(ILeaseStore.UpdateStaticRole))
            {
                throw new IOException("disk full");
            }

            if (targetMethod.Name == nameof(IDisposable.Dispose))
            {
                return null;
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
            {
                ExceptionDispatchInfo.Throw(inner);
                throw;
            }
        }
    }
}
