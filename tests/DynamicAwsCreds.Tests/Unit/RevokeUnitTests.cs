using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Tests.Fakes;
using Xunit;

namespace DynamicAwsCreds.Tests.Unit;

/// <summary>Revoking through the facade: one lease, every lease under a prefix, and a revoke AWS refuses.</summary>
public sealed class RevokeUnitTests : EngineUnitTestBase
{
    [Fact]
    public async Task Revoking_a_lease_deletes_its_user_and_forgets_the_lease()
    {
        var issued = await IssueAsync();

        var outcome = await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);

        Assert.Equal(RevokeStatus.Revoked, outcome.Status);
        Assert.Equal(issued.Lease.UserName, outcome.UserName);
        Assert.Equal("DeleteUser", Aws.Calls[^1].Action);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_prefix_revoke_removes_every_lease_under_the_prefix_and_nothing_else()
    {
        Engine.SetRole(null, "ops", new RoleInput { CredentialType = "iam_user", PolicyArns = [ReadOnly] });
        var dev = new[] { await IssueAsync(), await IssueAsync(), await IssueAsync() };
        var ops = await IssueAsync("ops");

        var leases = Engine.ResolveRevokePrefix("aws/creds/dev");
        Assert.Equal(dev.Select(d => d.Lease.LeaseId).Order(StringComparer.Ordinal), leases.Select(l => l.LeaseId));
        var summary = await Engine.RevokeLeasesAsync(leases, throttleLimit: 2, force: false, null, CancellationToken.None);

        Assert.Equal((3, 0, 0), (summary.Revoked, summary.Failed, summary.Skipped));
        Assert.Equal([ops.Lease.LeaseId], Engine.ListLeases(null).Select(l => l.LeaseId));
        Assert.Equal([ops.Lease.UserName], IssuedUsers.Select(u => u.UserName));
    }

    [Fact]
    public async Task A_revoke_AWS_refuses_keeps_the_lease_and_Force_then_forgets_it_leaving_the_user()
    {
        var issued = await IssueAsync();
        Aws.Fail("ListAccessKeys", AwsFault.ServiceFailure, nth: null);

        var failed = await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: false, null, CancellationToken.None);

        Assert.Equal(RevokeStatus.Failed, failed.Status);
        Assert.Equal("ServiceFailure", failed.Error?.AwsCode);
        Assert.Equal(issued.Lease.LeaseId, Engine.GetLease(issued.Lease.LeaseId).LeaseId);
        Assert.NotNull(Aws.User(issued.Lease.UserName!));

        var forced = await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, force: true, null, CancellationToken.None);

        Assert.Equal(RevokeStatus.Forgotten, forced.Status);
        Assert.Empty(Engine.ListLeases(null));
        Assert.Equal("LeaseNotFound", Assert.Throws<EngineException>(() => Engine.GetLease(issued.Lease.LeaseId)).Reason);
        Assert.NotNull(Aws.User(issued.Lease.UserName!));
    }

    [Fact]
    public async Task Revoking_a_lease_again_succeeds_quietly_until_its_max_TTL_while_an_id_never_issued_is_LeaseNotFound()
    {
        var issued = await IssueAsync();
        var id = issued.Lease.LeaseId;
        Assert.Equal(RevokeStatus.Revoked, (await Engine.RevokeLeaseAsync(id, force: false, null, CancellationToken.None)).Status);
        var calls = Aws.Calls.Count;

        Assert.Null(Engine.FindLeaseToRevoke(id));
        Assert.Equal(RevokeStatus.AlreadyGone, (await Engine.RevokeLeaseAsync(id, force: false, null, CancellationToken.None)).Status);
        Assert.Equal(calls, Aws.Calls.Count);
        Assert.Equal("LeaseNotFound", Assert.Throws<EngineException>(() => Engine.GetLease(id)).Reason);

        var never = id[..^24] + "AAAAAAAAAAAAAAAAAAAAAAAA";
        var unknown = Assert.Throws<EngineException>(() => Engine.FindLeaseToRevoke(never));
        Assert.Equal(("LeaseNotFound", ErrorKind.ObjectNotFound, (object?)never), (unknown.Reason, unknown.Kind, unknown.Target));

        // The tombstone lasts until the lease's max TTL would have ended, and at least a day; then the id is unknown like any other.
        var revokedAt = Clock.GetUtcNow();
        var forgetAt = new[] { issued.Lease.MaxExpireTime, revokedAt + TimeSpan.FromDays(1) }.Max();
        Clock.Advance(forgetAt - revokedAt - TimeSpan.FromSeconds(1));
        Assert.Null(Engine.FindLeaseToRevoke(id));
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("LeaseNotFound", Assert.Throws<EngineException>(() => Engine.FindLeaseToRevoke(id)).Reason);
    }
}
