using DynamicAwsCreds.Engine.Store;
using Xunit;

namespace DynamicAwsCreds.Tests.Store;

// HostA and HostB are properties: static fields of one partial class initialize in no set order across files, and they need Now.

/// <summary>Owners with heartbeat deadlines: the compare-and-swap of a lease's owner, and activation that names its owner.</summary>
public abstract partial class LeaseStoreConformance
{
    private static LeaseOwner HostA => new("host-a", 4242, Now.AddMinutes(-5)) { Deadline = Now.AddMinutes(2) };
    private static LeaseOwner HostB => new("host-b", 77, Now.AddMinutes(-1)) { Deadline = Now.AddMinutes(3) };

    [Fact]
    public void An_owner_s_deadline_reads_back_as_written()
    {
        AddMounts("aws");
        var intent = Intent(Id("dev")) with { Owner = HostA };
        Assert.True(Store.InsertLeaseUnderEnabledMount(intent));
        Assert.Equal(intent, Store.GetLease(intent.LeaseId));
        Assert.Equal(HostA.Deadline, Assert.Single(Store.ListPendingLeases()).Owner!.Deadline);
    }

    [Fact]
    public void A_claim_swaps_the_owner_only_when_every_field_of_the_expected_owner_matches()
    {
        AddMounts("aws");
        var intent = Intent(Id("dev")) with { Owner = HostA };
        Assert.True(Store.InsertLeaseUnderEnabledMount(intent));

        LeaseOwner?[] wrong =
        [
            null,
            HostA with { Host = "host-A" },
            HostA with { ProcessId = 4243 },
            HostA with { ProcessStart = HostA.ProcessStart.AddMilliseconds(1) },
            HostA with { Deadline = HostA.Deadline!.Value.AddMilliseconds(1) },
            HostA with { Deadline = null },
        ];
        foreach (var expected in wrong)
        {
            Assert.False(Store.ClaimLease(intent.LeaseId, expected, HostB));
            Assert.Equal(intent, Store.GetLease(intent.LeaseId));
        }

        Assert.True(Store.ClaimLease(intent.LeaseId, HostA, HostB));
        Assert.Equal(intent with { Owner = HostB }, Store.GetLease(intent.LeaseId));
        Assert.False(Store.ClaimLease(intent.LeaseId, HostA, HostA));

        var renewed = HostB with { Deadline = HostB.Deadline!.Value.AddMinutes(1) };
        Assert.True(Store.ClaimLease(intent.LeaseId, HostB, renewed));
        Assert.Equal(renewed, Store.GetLease(intent.LeaseId)!.Owner);
    }

    [Fact]
    public void A_claim_is_released_and_taken_again_and_leaves_the_lease_s_state_alone()
    {
        AddMounts("aws");
        var lease = Active(Id("dev"));
        Assert.True(Store.InsertLeaseUnderEnabledMount(lease));

        Assert.False(Store.ClaimLease(lease.LeaseId, HostA, HostB));
        Assert.True(Store.ClaimLease(lease.LeaseId, null, HostA));
        Assert.Equal(lease with { Owner = HostA }, Store.GetLease(lease.LeaseId));
        Assert.Equal([lease.LeaseId], Store.ListLeasesByPrefix("aws/").Select(l => l.LeaseId));
        Assert.False(Store.ClaimLease(lease.LeaseId, null, HostB));

        Assert.True(Store.ClaimLease(lease.LeaseId, HostA, null));
        Assert.Equal(lease, Store.GetLease(lease.LeaseId));
        Assert.True(Store.ClaimLease(lease.LeaseId, null, HostB));
        Assert.Equal(HostB, Store.GetLease(lease.LeaseId)!.Owner);
    }

    [Fact]
    public void A_claim_on_an_unknown_or_deleted_lease_is_refused()
    {
        AddMounts("aws");
        Assert.False(Store.ClaimLease(Id("dev"), null, HostA));
        Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id("dev"))));
        Assert.True(Store.DeleteLease(Id("dev")));
        Assert.False(Store.ClaimLease(Id("dev"), null, HostA));
        Assert.Null(Store.GetLease(Id("dev")));
    }

    [Fact]
    public void Activation_naming_an_owner_is_refused_once_another_took_the_intent_over()
    {
        AddMounts("aws");
        var intent = Intent(Id("dev")) with { Owner = HostA };
        Assert.True(Store.InsertLeaseUnderEnabledMount(intent));

        Assert.False(Store.ActivateLease(intent.LeaseId, "AKIDNEW", HostA with { Deadline = HostA.Deadline!.Value.AddSeconds(1) }));
        Assert.True(Store.ClaimLease(intent.LeaseId, HostA, HostB));

        Assert.False(Store.ActivateLease(intent.LeaseId, "AKIDNEW", HostA));
        Assert.Equal(intent with { Owner = HostB }, Store.GetLease(intent.LeaseId));

        Assert.True(Store.ActivateLease(intent.LeaseId, "AKIDNEW", HostB));
        Assert.Equal(intent with { State = LeaseState.Active, AccessKeyId = "AKIDNEW", Owner = null }, Store.GetLease(intent.LeaseId));
    }

    [Fact]
    public void Of_many_threads_claiming_one_lease_exactly_one_wins()
    {
        AddMounts("aws");
        Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id("dev"))));
        var claimants = Enumerable.Range(0, 12).Select(i => HostB with { Host = $"host-{i}" }).ToArray();

        var won = Together.Run(claimants.Length, i => Store.ClaimLease(Id("dev"), null, claimants[i]));

        var winner = Assert.Single(Enumerable.Range(0, won.Length), i => won[i]);
        Assert.Equal(claimants[winner], Store.GetLease(Id("dev"))!.Owner);
    }
}
