using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Tests.Fakes;
using Xunit;

namespace DynamicAwsCreds.Tests.Unit;

/// <summary>
/// Hosts sharing one store: two engines with different host ids over one in-memory store, one fake account and one
/// fake clock. Intents carry a heartbeat deadline; revokes, sweeps and recoveries claim each lease first.
/// </summary>
public sealed class MultiHostUnitTests : EngineUnitTestBase
{
    private static readonly TimeSpan Deadline = IntentOwners.DefaultDeadline;

    private readonly CredsEngine _a;
    private readonly CredsEngine _b;

    public MultiHostUnitTests()
    {
        _a = OpenHost("host-a");
        _b = OpenHost("host-b");
    }

    [Fact]
    public async Task Host_B_leaves_A_s_intent_alone_before_its_deadline_and_recovers_it_after()
    {
        var intent = WriteIntent(new LeaseOwner("host-a", 4242, Clock.Now.AddHours(-1)) { Deadline = Clock.Now + Deadline });
        Store.MarkUserCreated(intent.LeaseId);
        await Aws.Iam.CreateUserAsync(intent.UserName!);

        Clock.Advance(Deadline - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await _b.RecoverAbandonedIntentsAsync(null, CancellationToken.None));
        Assert.Equal([intent.LeaseId], Store.ListPendingLeases().Select(l => l.LeaseId));
        Assert.NotNull(Aws.User(intent.UserName!));

        Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, await _b.RecoverAbandonedIntentsAsync(null, CancellationToken.None));
        AssertNothingLeft();
    }

    [Fact]
    public async Task On_its_own_host_an_intent_whose_process_ended_is_recovered_before_its_deadline_and_a_running_one_is_not()
    {
        var gone = WriteIntent(new LeaseOwner("host-a", Environment.ProcessId, Clock.Now.AddHours(-1)) { Deadline = Clock.Now + Deadline });
        var running = WriteIntent(IntentOwners.Current with { Host = "host-a", Deadline = Clock.Now + Deadline });

        Assert.Equal(0, await _b.RecoverAbandonedIntentsAsync(null, CancellationToken.None));
        Assert.Equal(2, Store.ListPendingLeases().Count);

        await _a.RecoverAbandonedIntentsAsync(null, CancellationToken.None);
        Assert.Equal([running.LeaseId], Store.ListPendingLeases().Select(l => l.LeaseId));
        Assert.Null(Store.GetLease(gone.LeaseId));
    }

    [Fact]
    public async Task A_s_heartbeat_keeps_its_intent_alive_past_the_first_deadline_and_the_issue_completes()
    {
        var held = Aws.Pause("CreateAccessKey");
        var issue = _a.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None);
        await held.Reached;
        var first = Assert.Single(Store.ListPendingLeases()).Owner!;
        Assert.Equal("host-a", first.Host);
        Assert.Equal(Clock.Now + Deadline, first.Deadline);

        var deadline = first.Deadline!.Value;
        for (var beat = 0; beat < 7; beat++)
        {
            await WaitUntilAsync(() => Clock.PendingTimers > 0, "the heartbeat waits for its next beat");
            Clock.Advance(Deadline / 3);
            var before = deadline;
            await WaitUntilAsync(() => Store.ListPendingLeases().Single().Owner!.Deadline > before, "the heartbeat moves the deadline on");
            deadline = Store.ListPendingLeases().Single().Owner!.Deadline!.Value;
            Assert.Equal(Clock.Now + Deadline, deadline);
        }

        Assert.True(Clock.Now > first.Deadline + Deadline);
        Assert.Equal(0, await _b.RecoverAbandonedIntentsAsync(null, CancellationToken.None));

        held.Release();
        var issued = await issue;
        Assert.Equal(LeaseState.Active, Engine.GetLease(issued.Lease.LeaseId).State);
        Assert.Null(Engine.GetLease(issued.Lease.LeaseId).Owner);
        Assert.NotNull(Aws.User(issued.Lease.UserName!));
        Assert.Equal(0, Clock.PendingTimers);
    }

    [Fact]
    public async Task After_a_take_over_A_s_activation_is_refused_and_no_user_is_left()
    {
        var held = Aws.Pause("CreateAccessKey");
        var issue = _a.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None);
        await held.Reached;
        var intent = Assert.Single(Store.ListPendingLeases());

        // Host B, finding A's deadline passed (A stalled), claims the intent to recover it.
        Assert.True(Store.ClaimLease(intent.LeaseId, intent.Owner, new LeaseOwner("host-b", 77, Clock.Now) { Deadline = Clock.Now + Deadline }));
        held.Release();

        var error = await Assert.ThrowsAsync<EngineException>(() => issue);
        Assert.Equal("StoreWriteFailed", error.Reason);
        Assert.Contains("host-b", error.Message, StringComparison.Ordinal);
        AssertNothingLeft();
        Assert.Contains(Aws.Calls, c => c.Action == "DeleteUser" && c.UserName == intent.UserName);
    }

    [Fact]
    public async Task Two_hosts_sweeping_the_same_expired_leases_at_once_revoke_each_once_and_their_summaries_split_them()
    {
        var leases = new List<IssuedCredential>();
        for (var i = 0; i < 6; i++)
        {
            leases.Add(await IssueAsync(ttl: TimeSpan.FromMinutes(10)));
        }

        Clock.Advance(TimeSpan.FromMinutes(30));
        var seenByA = _a.ListExpiredLeases(null);
        var seenByB = _b.ListExpiredLeases(null);
        Assert.Equal(6, seenByA.Count);
        Assert.Equal(6, seenByB.Count);

        // A is in the middle of its first revoke while B sweeps.
        var held = Aws.Pause("DeleteUser");
        var sweepA = _a.RevokeLeasesAsync(seenByA, throttleLimit: 1, force: false, null, CancellationToken.None);
        await held.Reached;
        var summaryB = await _b.RevokeLeasesAsync(seenByB, throttleLimit: 4, force: false, null, CancellationToken.None);
        held.Release();
        var summaryA = await sweepA;

        var idsA = summaryA.Outcomes.Select(o => o.LeaseId).ToList();
        var idsB = summaryB.Outcomes.Select(o => o.LeaseId).ToList();
        Assert.Empty(idsA.Intersect(idsB));
        Assert.Equal(leases.Select(l => l.Lease.LeaseId).Order(), idsA.Concat(idsB).Order());
        Assert.Equal(6, summaryA.Revoked + summaryB.Revoked);
        Assert.Equal((1, 5), (summaryA.Total, summaryB.Total));
        Assert.All(summaryA.Outcomes.Concat(summaryB.Outcomes), o => Assert.Equal(RevokeStatus.Revoked, o.Status));
        Assert.All(leases, l => Assert.Single(Aws.Calls, c => c.Action == "DeleteUser" && c.UserName == l.Lease.UserName));
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_lease_a_live_host_is_revoking_is_LeaseBusy_when_named_skipped_by_a_sweep_and_left_unchanged()
    {
        var issued = await IssueAsync();
        var held = Aws.Pause("DeleteUser");
        var revokeA = _a.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);
        await held.Reached;
        var claimed = Store.GetLease(issued.Lease.LeaseId)!;
        Assert.Equal("host-a", claimed.Owner!.Host);
        var callsBefore = Aws.Calls.Count;

        var named = await _b.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);
        Assert.Equal(RevokeStatus.Failed, named.Status);
        Assert.Equal("LeaseBusy", named.Error!.Reason);
        Assert.Equal(ErrorKind.ResourceBusy, named.Error.Kind);
        Assert.Contains("host-a", named.Error.Message, StringComparison.Ordinal);
        Assert.Contains("Try again", named.Error.Message, StringComparison.Ordinal);
        var namedMany = await _b.RevokeNamedLeasesAsync([issued.Lease], 4, force: false, null, CancellationToken.None);
        Assert.Equal(("LeaseBusy", 1), (Assert.Single(namedMany.Outcomes).Error!.Reason, namedMany.Failed));
        var swept = await _b.RevokeLeasesAsync([issued.Lease], 4, force: true, null, CancellationToken.None);
        Assert.Equal(0, swept.Total);
        Assert.Equal(claimed, Store.GetLease(issued.Lease.LeaseId));
        Assert.Equal(callsBefore, Aws.Calls.Count);

        held.Release();
        Assert.Equal(RevokeStatus.Revoked, (await revokeA).Status);
        Assert.Equal(RevokeStatus.AlreadyGone, (await _b.RevokeNamedLeasesAsync([issued.Lease], 4, false, null, CancellationToken.None)).Outcomes.Single().Status);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_failed_revoke_gives_its_claim_back_and_a_claim_whose_deadline_passed_is_taken_over()
    {
        var issued = await IssueAsync();
        Aws.Fail("DeleteUser", AwsFault.ServiceFailure);
        Assert.Equal(RevokeStatus.Failed, (await _a.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None)).Status);
        Assert.Null(Store.GetLease(issued.Lease.LeaseId)!.Owner);

        // A host that claimed the lease and stopped: its claim lapses at its deadline.
        Assert.True(Store.ClaimLease(issued.Lease.LeaseId, null, new LeaseOwner("host-c", 9, Clock.Now) { Deadline = Clock.Now + Deadline }));
        Assert.Equal("LeaseBusy", (await _b.RevokeLeaseAsync(issued.Lease.LeaseId, false, null, CancellationToken.None)).Error!.Reason);
        Clock.Advance(Deadline);
        Assert.Equal(RevokeStatus.Revoked, (await _b.RevokeLeaseAsync(issued.Lease.LeaseId, false, null, CancellationToken.None)).Status);
        AssertNothingLeft();
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("0")]
    [InlineData("-2m")]
    [InlineData("2 minutes")]
    public void A_malformed_or_non_positive_intent_deadline_variable_is_an_error_naming_it(string value)
    {
        var error = Assert.Throws<EngineException>(() =>
            IntentOwners.ResolveDeadline(null, name => name == IntentOwners.DeadlineVariable ? value : null));
        Assert.Equal("InvalidIntentDeadline", error.Reason);
        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
        Assert.Equal(value, error.Target);
        Assert.Contains(IntentOwners.DeadlineVariable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_intent_deadline_comes_from_the_option_else_the_variable_else_two_minutes()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), IntentOwners.ResolveDeadline(null, _ => "1m30s"));
        Assert.Equal(TimeSpan.FromMinutes(2), IntentOwners.ResolveDeadline(null, _ => null));
        Assert.Equal(TimeSpan.FromSeconds(5), IntentOwners.ResolveDeadline(TimeSpan.FromSeconds(5), _ => "soon"));
    }

    [Fact]
    public async Task A_non_positive_intent_deadline_fails_the_issue_before_anything_is_written()
    {
        var broken = OpenHost("host-z", TimeSpan.Zero);
        var error = await Assert.ThrowsAsync<EngineException>(() => broken.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None));
        Assert.Equal("InvalidIntentDeadline", error.Reason);
        AssertNothingLeft();
    }

    private LeaseRecord WriteIntent(LeaseOwner owner)
    {
        var now = Clock.Now;
        var intent = new LeaseRecord(LeaseIds.New("aws", "dev"), "aws", "dev", "iam_user", LeaseState.Pending, now, now + DefaultTtl, now + MaxTtl,
            null, Renewable: true, StsNames.GenerateUserName(null, "tester", Engine.GetRole(null, "dev"), now), null, null, owner);
        Assert.True(Store.InsertLeaseUnderEnabledMount(intent));
        return intent;
    }

    /// <summary>Waits for work on other threads (a heartbeat's continuation) to reach a state; fails if it never does.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 3000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), what);
    }
}
