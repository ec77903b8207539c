using System.Diagnostics;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Sqlite;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>Renew, the expiry guard, the expired sweep, crash recovery and the orphan scan.</summary>
public sealed class EngineLeaseLifecycleTests : EngineTestBase
{
    protected override void Configure()
    {
        Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });
        Engine.SetLeaseConfig(null, TimeSpan.FromHours(1), TimeSpan.FromHours(3));
    }

    private Task<IssuedCredential> Issue() => Engine.IssueCredentialAsync(null, "dev", null, null, CancellationToken.None);

    [Fact]
    public async Task Renew_extends_by_the_increment_and_rewrites_the_expiry_guard()
    {
        var issued = await Issue();
        Now += TimeSpan.FromMinutes(30);
        var renewed = await Engine.RenewLeaseAsync(issued.Lease.LeaseId, TimeSpan.FromHours(2), null, CancellationToken.None);

        Assert.False(renewed.Capped);
        Assert.Equal(Now + TimeSpan.FromHours(2), renewed.Lease.ExpireTime);
        Assert.Equal(Now, renewed.Lease.LastRenewalTime);
        var guard = Server.State.GetUser(issued.Lease.UserName!)!.InlinePolicies[ExpiryGuard.PolicyName];
        Assert.Contains(renewed.Lease.ExpireTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), guard);
    }

    [Fact]
    public async Task Renew_is_capped_at_issue_time_plus_max_ttl()
    {
        var issued = await Issue();
        var renewed = await Engine.RenewLeaseAsync(issued.Lease.LeaseId, TimeSpan.FromHours(10), null, CancellationToken.None);
        Assert.True(renewed.Capped);
        Assert.Equal(issued.Lease.IssueTime + TimeSpan.FromHours(3), renewed.Lease.ExpireTime);
    }

    [Fact]
    public async Task Renew_without_increment_uses_the_lease_config()
    {
        var issued = await Issue();
        Now += TimeSpan.FromMinutes(10);
        var renewed = await Engine.RenewLeaseAsync(issued.Lease.LeaseId, null, null, CancellationToken.None);
        Assert.Equal(Now + TimeSpan.FromHours(1), renewed.Lease.ExpireTime);
    }

    [Fact]
    public async Task An_expired_lease_is_not_renewed_and_a_failed_guard_rewrite_changes_nothing()
    {
        var issued = await Issue();
        Server.Options.AddFail(new FaultRule("PutUserPolicy"));
        var failed = await Assert.ThrowsAsync<EngineException>(() => Engine.RenewLeaseAsync(issued.Lease.LeaseId, TimeSpan.FromHours(2), null, CancellationToken.None));
        Assert.Equal("AwsUnavailable", failed.Reason);
        Assert.Equal(issued.Lease.ExpireTime, Engine.GetLease(issued.Lease.LeaseId).ExpireTime);

        Now += TimeSpan.FromHours(2);
        var ex = await Assert.ThrowsAsync<EngineException>(() => Engine.RenewLeaseAsync(issued.Lease.LeaseId, null, null, CancellationToken.None));
        Assert.Equal("LeaseExpired", ex.Reason);
    }

    [Fact]
    public async Task The_expiry_guard_stops_the_key_once_the_lease_has_ended()
    {
        // As in AWS, a new key is refused for a while: wait until it works, as a caller of issued keys must.
        Server.Options.KeyPropagationMs = 2000;
        var issued = await Issue();
        await Engine.WaitUntilNewKeyUsableAsync(issued, TimeSpan.FromSeconds(30), null, CancellationToken.None);
        var user = Root.WithKey(issued.AccessKeyId, issued.SecretAccessKey);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await user.StsAsync("GetCallerIdentity")).Status);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await user.IamAsync("ListUsers")).Status);

        Server.Options.ClockOffset = TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1);
        Assert.Equal("AccessDenied", (await user.IamAsync("ListUsers")).ErrorCode);
        Assert.Equal("AccessDenied", (await user.StsAsync("GetCallerIdentity")).ErrorCode);
    }

    [Fact]
    public async Task The_expired_sweep_revokes_only_leases_past_their_expiry()
    {
        var old = await Issue();
        Now += TimeSpan.FromMinutes(45);
        var fresh = await Issue();
        Now += TimeSpan.FromMinutes(30);

        var expired = Engine.ListExpiredLeases(null);
        Assert.Equal(old.Lease.LeaseId, Assert.Single(expired).LeaseId);
        var summary = await Engine.RevokeLeasesAsync(expired, 8, force: false, null, CancellationToken.None);
        Assert.Equal(1, summary.Revoked);
        Assert.False(Server.State.UserExists(old.Lease.UserName!));
        Assert.True(Server.State.UserExists(fresh.Lease.UserName!));
    }

    [Fact]
    public async Task An_intent_whose_process_is_gone_has_its_half_made_user_removed()
    {
        using var store = SqliteLeaseStore.Open(Temp.StorePath);
        var deadPid = DeadProcess();
        var abandoned = Intent("vault-tester-dev-1-AAAAAAAAAAAAAAAAAAAA", new LeaseOwner(Environment.MachineName, deadPid.Id, deadPid.Start));
        var live = Intent("vault-tester-dev-2-BBBBBBBBBBBBBBBBBBBB", new LeaseOwner(Environment.MachineName, Environment.ProcessId, ProcessStart()));
        foreach (var intent in new[] { abandoned, live })
        {
            store.InsertLease(intent);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await Root.IamAsync("CreateUser", ("UserName", intent.UserName!))).Status);
            // CreateUser answered before the crash: the intent records it, so the user is provably this store's.
            Assert.True(store.MarkUserCreated(intent.LeaseId));
            Assert.Equal(System.Net.HttpStatusCode.OK, (await Root.IamAsync("CreateAccessKey", ("UserName", intent.UserName!))).Status);
        }

        var cleaned = await Engine.RecoverAbandonedIntentsAsync(null, CancellationToken.None);
        Assert.Equal(1, cleaned);
        Assert.False(Server.State.UserExists(abandoned.UserName!));
        Assert.Null(store.GetLease(abandoned.LeaseId));
        Assert.True(Server.State.UserExists(live.UserName!));
        Assert.NotNull(store.GetLease(live.LeaseId));

        // Fifteen minutes on, even a live owner's intent is abandoned.
        Now += TimeSpan.FromMinutes(16);
        Assert.Equal(1, await Engine.RecoverAbandonedIntentsAsync(null, CancellationToken.None));
        Assert.False(Server.State.UserExists(live.UserName!));
    }

    [Fact]
    public async Task Revoke_over_200_leases_under_throttling_loses_nothing()
    {
        Engine.SetRootConfig(null, new RootConfigInput { MaxRetries = 10 });
        var leases = new List<IssuedCredential>();
        foreach (var batch in Enumerable.Range(0, 200).Chunk(16))
        {
            leases.AddRange(await Task.WhenAll(batch.Select(_ => Issue())));
        }

        Server.Options.ThrottleRps = 20;
        var summary = await Engine.RevokeLeasesAsync(Engine.ResolveRevokePrefix("aws/creds/dev"), 8, force: false, null, CancellationToken.None);
        Server.Options.ThrottleRps = 0;

        Assert.Equal(200, summary.Revoked);
        Assert.Equal(0, summary.Failed);
        Assert.DoesNotContain(Server.State.Users, u => u.UserName.StartsWith("vault-", StringComparison.Ordinal));
        Assert.Empty(Engine.ListLeases(null));
        Assert.Contains(Server.State.Requests, r => r.ErrorCode == "Throttling");
    }

    private LeaseRecord Intent(string userName, LeaseOwner owner) => new(
        LeaseIds.New("aws", "dev"), "aws", "dev", "iam_user", LeaseState.Pending, Now, Now.AddHours(1), Now.AddHours(3),
        null, true, userName, null, null, owner);

    private static DateTimeOffset ProcessStart()
    {
        using var self = Process.GetCurrentProcess();
        return new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero);
    }
}
