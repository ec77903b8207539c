using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using Xunit;

namespace DynamicAwsCreds.Tests.Unit;

/// <summary>Renewing an iam_user lease up to its max TTL, and sweeping leases once the clock is past their expiry.</summary>
public sealed class RenewAndSweepUnitTests : EngineUnitTestBase
{
    [Fact]
    public async Task Renewing_moves_the_expiry_and_the_guard_and_is_capped_at_the_max_TTL()
    {
        var issued = await IssueAsync();
        var issuedAt = Clock.Now;
        Clock.Advance(TimeSpan.FromMinutes(30));

        var renewed = await Engine.RenewLeaseAsync(issued.Lease.LeaseId, TimeSpan.FromMinutes(45), null, CancellationToken.None);

        Assert.False(renewed.Capped);
        Assert.Equal(issuedAt.AddMinutes(75), renewed.Lease.ExpireTime);
        Assert.Equal(renewed.Lease.ExpireTime, Engine.GetLease(issued.Lease.LeaseId).ExpireTime);
        Assert.Equal(renewed.Lease.ExpireTime, GuardExpiry(issued));

        Clock.Advance(TimeSpan.FromMinutes(30));
        var capped = await Engine.RenewLeaseAsync(issued.Lease.LeaseId, TimeSpan.FromHours(5), null, CancellationToken.None);

        Assert.True(capped.Capped);
        Assert.Equal(issuedAt + MaxTtl, capped.Lease.ExpireTime);
        Assert.Equal(issuedAt + MaxTtl, Engine.GetLease(issued.Lease.LeaseId).ExpireTime);
        Assert.Equal(issuedAt + MaxTtl, GuardExpiry(issued));
    }

    [Fact]
    public async Task Leases_past_their_expiry_are_listed_and_swept_and_the_rest_stay()
    {
        var shortLived = new[] { await IssueAsync(ttl: TimeSpan.FromMinutes(10)), await IssueAsync(ttl: TimeSpan.FromMinutes(20)) };
        var longLived = await IssueAsync(ttl: TimeSpan.FromMinutes(90));
        Assert.Empty(Engine.ListExpiredLeases(null));

        Clock.Advance(TimeSpan.FromMinutes(30));
        var expired = Engine.ListExpiredLeases(null);

        Assert.Equal(shortLived.Select(s => s.Lease.LeaseId), expired.Select(l => l.LeaseId));
        var summary = await Engine.RevokeLeasesAsync(expired, throttleLimit: 4, force: false, null, CancellationToken.None);

        Assert.Equal((2, 0), (summary.Revoked, summary.Failed));
        Assert.All(summary.Outcomes, o => Assert.Equal(RevokeStatus.Revoked, o.Status));
        Assert.Empty(Engine.ListExpiredLeases(null));
        Assert.Equal([longLived.Lease.LeaseId], Engine.ListLeases(null).Select(l => l.LeaseId));
        Assert.Equal([longLived.Lease.UserName], IssuedUsers.Select(u => u.UserName));
    }

    private DateTimeOffset? GuardExpiry(IssuedCredential issued) =>
        ExpiryGuard.ReadMarker(Aws.User(issued.Lease.UserName!)!.InlinePolicies[ExpiryGuard.PolicyName])?.Expiry;
}
