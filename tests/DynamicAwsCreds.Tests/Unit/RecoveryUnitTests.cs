using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Tests.Engine;
using Xunit;

namespace DynamicAwsCreds.Tests.Unit;

/// <summary>
/// Recovering intents that another process wrote and never finished: the intent goes, and its half-made user goes
/// only when the store recorded CreateUser's answer or the user's ownership marker names this store and that lease.
/// </summary>
public sealed class RecoveryUnitTests : EngineUnitTestBase
{
    /// <summary>This process's pid with another start time: a process that is gone, its pid since reused.</summary>
    private static readonly LeaseOwner GoneProcess = IntentOwners.Current with { ProcessStart = IntentOwners.Current.ProcessStart.AddHours(-1) };

    [Fact]
    public async Task Abandoned_intents_go_and_their_users_go_only_when_provably_this_store_s()
    {
        var recorded = WriteIntent("vault-tester-dev-recorded", GoneProcess);
        Store.MarkUserCreated(recorded.LeaseId);
        await Aws.Iam.CreateUserAsync(recorded.UserName!);
        var marked = WriteIntent("vault-tester-dev-marked", GoneProcess);
        await CreateGuardedUserAsync(marked.UserName!, new OwnershipMarker(Engine.StoreId, marked.LeaseId, marked.ExpireTime));
        var othersMarker = WriteIntent("vault-tester-dev-others", GoneProcess);
        await CreateGuardedUserAsync(othersMarker.UserName!, new OwnershipMarker(StoreIds.New(), othersMarker.LeaseId, othersMarker.ExpireTime));
        var unmarked = WriteIntent("vault-tester-dev-unmarked", GoneProcess);
        await Aws.Iam.CreateUserAsync(unmarked.UserName!);
        WriteIntent("vault-tester-dev-nevermade", GoneProcess);
        var events = new RecordingEvents();

        var removed = await Engine.RecoverAbandonedIntentsAsync(events, CancellationToken.None);

        Assert.Equal(2, removed);
        Assert.Empty(Store.ListPendingLeases());
        Assert.Null(Aws.User(recorded.UserName!));
        Assert.Null(Aws.User(marked.UserName!));
        Assert.Equal([othersMarker.UserName, unmarked.UserName], IssuedUsers.Select(u => u.UserName).Order(StringComparer.Ordinal));
        Assert.Equal(2, events.Warnings.Count);
        Assert.All([othersMarker.UserName!, unmarked.UserName!], name => Assert.Contains(events.Warnings, w => w.Contains(name, StringComparison.Ordinal)));
        Assert.Empty(Engine.ListLeases(null));
    }

    [Fact]
    public async Task An_intent_whose_process_still_runs_is_left_alone_until_it_is_older_than_any_issue()
    {
        var intent = WriteIntent("vault-tester-dev-running", IntentOwners.Current);
        Store.MarkUserCreated(intent.LeaseId);
        await Aws.Iam.CreateUserAsync(intent.UserName!);

        Assert.Equal(0, await Engine.RecoverAbandonedIntentsAsync(null, CancellationToken.None));
        Assert.Equal([intent.LeaseId], Store.ListPendingLeases().Select(l => l.LeaseId));
        Assert.NotNull(Aws.User(intent.UserName!));

        Clock.Advance(IntentOwners.MaxIssueTime + TimeSpan.FromSeconds(1));

        Assert.Equal(1, await Engine.RecoverAbandonedIntentsAsync(null, CancellationToken.None));
        AssertNothingLeft();
    }

    /// <summary>An intent of role "dev" as an issuing process writes it before CreateUser.</summary>
    private LeaseRecord WriteIntent(string userName, LeaseOwner owner)
    {
        var now = Clock.Now;
        var intent = new LeaseRecord(LeaseIds.New("aws", "dev"), "aws", "dev", "iam_user", LeaseState.Pending, now, now + DefaultTtl, now + MaxTtl,
            null, Renewable: true, userName, null, null, owner);
        Assert.True(Store.InsertLeaseUnderEnabledMount(intent));
        return intent;
    }

    private async Task CreateGuardedUserAsync(string userName, OwnershipMarker marker)
    {
        await Aws.Iam.CreateUserAsync(userName);
        await Aws.Iam.PutUserPolicyAsync(userName, ExpiryGuard.PolicyName, ExpiryGuard.Document(marker));
    }
}
