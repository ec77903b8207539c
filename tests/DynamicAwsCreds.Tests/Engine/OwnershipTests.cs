using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Sqlite;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>
/// Ownership: every issued user names its store and lease in IAM, and the module changes or deletes only the
/// users it can prove it made — with other stores, a real Vault and hand-made users in the same account.
/// </summary>
public sealed class OwnershipTests : EngineTestBase
{
    private const string VaultsUser = "vault-token-dev-1700000000-VAULTVAULTVAULTVAULT";

    protected override void Configure() => Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });

    private Task<IssuedCredential> Issue(CredsEngine? engine = null) =>
        (engine ?? Engine).IssueCredentialAsync(null, "dev", null, null, CancellationToken.None);

    private OwnershipMarker? MarkerOf(string userName) =>
        ExpiryGuard.ReadMarker(Server.State.Users.Single(u => u.UserName == userName).InlinePolicies[ExpiryGuard.PolicyName]);

    /// <summary>A second store on the same LocalAws account: another OS user, machine or CI runner.</summary>
    private (CredsEngine Engine, TempStore Temp) OtherStore()
    {
        var temp = new TempStore();
        var other = new CredsEngine(temp.StorePath, displayName: "colleague", clock: () => Now);
        other.EnableMount("aws", null, null, null, null);
        other.SetRootConfig(null, LocalAwsRootConfig());
        other.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });
        return (other, temp);
    }

    private async Task CreateUserByHand(string userName, bool withKey = false)
    {
        Ok(await Root.IamAsync("CreateUser", ("UserName", userName)));
        if (withKey)
        {
            Ok(await Root.IamAsync("CreateAccessKey", ("UserName", userName)));
        }
    }

    [Fact]
    public async Task Every_issued_user_names_the_store_the_lease_and_its_expiry_and_renew_keeps_it_current()
    {
        var issued = await Issue();
        var marker = MarkerOf(issued.Lease.UserName!);
        Assert.NotNull(marker);
        Assert.Equal(Engine.StoreId, marker!.StoreId);
        Assert.Equal(StoreIds.Length, marker.StoreId.Length);
        Assert.Equal(issued.Lease.LeaseId, marker.LeaseId);
        Assert.Equal(issued.Lease.ExpireTime.ToUnixTimeSeconds(), marker.Expiry.ToUnixTimeSeconds());

        Now += TimeSpan.FromHours(1);
        var renewed = await Engine.RenewLeaseAsync(issued.Lease.LeaseId, TimeSpan.FromHours(2), null, CancellationToken.None);
        var after = MarkerOf(issued.Lease.UserName!)!;
        Assert.Equal(renewed.Lease.ExpireTime.ToUnixTimeSeconds(), after.Expiry.ToUnixTimeSeconds());
        Assert.Equal(issued.Lease.LeaseId, after.LeaseId);

        // Issuing asked IAM for nothing beyond the README's issuing list.
        var actions = Server.State.Requests.Where(r => r.Service == "iam").Select(r => r.Action).Distinct().Order().ToList();
        Assert.Equal(["AttachUserPolicy", "CreateAccessKey", "CreateUser", "PutUserPolicy"], actions);
    }

    [Fact]
    public void The_store_id_is_random_per_store_and_stable_across_opens()
    {
        var first = Engine.StoreId;
        using var again = new CredsEngine(Temp.StorePath, displayName: "tester");
        Assert.Equal(first, again.StoreId);
        var (other, temp) = OtherStore();
        using (temp)
        using (other)
        {
            Assert.NotEqual(first, other.StoreId);
            Assert.Equal(first, Engine.GetMount(null).StoreId);
        }
    }

    [Fact]
    public void The_marker_reads_back_only_from_a_guard_that_carries_one()
    {
        var marker = new OwnershipMarker("S".PadRight(20, 'x'), "aws/creds/dev/ABCDEFGHIJKLMNOPQRSTUVWX", DateTimeOffset.FromUnixTimeSeconds(1_900_000_000));
        Assert.Equal(marker, ExpiryGuard.ReadMarker(ExpiryGuard.Document(marker)));
        Assert.Null(ExpiryGuard.ReadMarker("{\"Version\":\"2012-10-17\",\"Statement\":[]}"));
        Assert.Null(ExpiryGuard.ReadMarker("not json"));
        Assert.Null(ExpiryGuard.ReadMarker(ExpiryGuard.Document(marker).Replace("DynamicAwsCreds;", "Other;", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Two_stores_and_a_real_Vault_in_one_account_never_offer_each_others_users_for_removal()
    {
        var (other, temp) = OtherStore();
        using var _ = temp;
        using var __ = other;
        var mine = await Issue();
        var theirs = await Issue(other);
        await CreateUserByHand(VaultsUser, withKey: true);

        foreach (var (engine, own, foreign) in new[] { (Engine, mine, theirs), (other, theirs, mine) })
        {
            var found = await engine.FindOrphanUsersAsync(null, null, CancellationToken.None);
            Assert.DoesNotContain(found, o => o.User.UserName == own.Lease.UserName);
            Assert.Equal(OrphanReason.Foreign, found.Single(o => o.User.UserName == foreign.Lease.UserName).Reason);
            Assert.Equal(OrphanReason.Foreign, found.Single(o => o.User.UserName == VaultsUser).Reason);
            Assert.DoesNotContain(found, o => o.Removable);

            foreach (var name in new[] { foreign.Lease.UserName!, VaultsUser })
            {
                var before = Server.State.Users.Single(u => u.UserName == name);
                var refused = await Assert.ThrowsAsync<EngineException>(() => engine.RemoveOrphanUserAsync(null, name, null, CancellationToken.None));
                Assert.Equal("NotOwned", refused.Reason);
                Assert.Equal(ErrorKind.PermissionDenied, refused.Kind);
                var after = Server.State.Users.Single(u => u.UserName == name);
                Assert.Equal(before.AccessKeys.Count, after.AccessKeys.Count);
                Assert.Equal(before.InlinePolicies.Count, after.InlinePolicies.Count);
                Assert.Equal(before.AttachedPolicyArns, after.AttachedPolicyArns);
            }
        }

        Assert.Equal(3, VaultUsers.Count());
    }

    [Fact]
    public async Task An_expired_lease_of_a_lost_store_is_found_as_Expired_and_removed()
    {
        var (lost, temp) = OtherStore();
        IssuedCredential expired;
        using (temp)
        using (lost)
        {
            expired = await lost.IssueCredentialAsync(null, "dev", TimeSpan.FromMinutes(30), null, CancellationToken.None);
        }

        var live = await Issue();
        Now += TimeSpan.FromHours(1);

        var found = Assert.Single(await Engine.FindOrphanUsersAsync(null, null, CancellationToken.None));
        Assert.Equal(expired.Lease.UserName, found.User.UserName);
        Assert.Equal(OrphanReason.Expired, found.Reason);
        Assert.True(found.Removable);
        Assert.Equal(expired.Lease.LeaseId, found.Marker!.LeaseId);

        var outcome = await Engine.RemoveOrphanUserAsync(null, expired.Lease.UserName!, null, CancellationToken.None);
        Assert.Equal(RevokeStatus.Revoked, outcome.Status);
        Assert.False(Server.State.UserExists(expired.Lease.UserName!));
        Assert.True(Server.State.UserExists(live.Lease.UserName!));
    }

    [Fact]
    public async Task A_user_of_this_store_that_no_lease_knows_is_Abandoned_and_removable()
    {
        var issued = await Issue();
        using (var store = SqliteLeaseStore.Open(Temp.StorePath))
        {
            Assert.True(store.DeleteLease(issued.Lease.LeaseId));
        }

        var found = Assert.Single(await Engine.FindOrphanUsersAsync(null, null, CancellationToken.None));
        Assert.Equal(OrphanReason.Abandoned, found.Reason);
        Assert.Equal(RevokeStatus.Revoked, (await Engine.RemoveOrphanUserAsync(null, issued.Lease.UserName!, null, CancellationToken.None)).Status);
        Assert.Empty(VaultUsers);
    }

    [Fact]
    public async Task A_leased_user_is_no_orphan_and_a_name_outside_the_template_is_refused()
    {
        var issued = await Issue();
        Assert.Empty(await Engine.FindOrphanUsersAsync(null, null, CancellationToken.None));
        Assert.Equal("UserHasLease", (await Assert.ThrowsAsync<EngineException>(() =>
            Engine.RemoveOrphanUserAsync(null, issued.Lease.UserName!, null, CancellationToken.None))).Reason);
        await CreateUserByHand("alice");
        Assert.Equal("NotAnIssuedUser", (await Assert.ThrowsAsync<EngineException>(() =>
            Engine.RemoveOrphanUserAsync(null, "alice", null, CancellationToken.None))).Reason);
        Assert.True(Server.State.UserExists("alice"));
        Assert.True(Server.State.UserExists(issued.Lease.UserName!));
    }

    [Fact]
    public async Task A_custom_template_scans_by_its_literal_prefix()
    {
        Engine.SetRootConfig(null, new RootConfigInput { UsernameTemplate = "team-{{.RoleName}}-{{random 12}}" });
        var issued = await Issue();
        Assert.StartsWith("team-dev-", issued.Lease.UserName);
        using (var store = SqliteLeaseStore.Open(Temp.StorePath))
        {
            store.DeleteLease(issued.Lease.LeaseId);
        }

        await CreateUserByHand("vault-not-ours-at-all");
        var found = Assert.Single(await Engine.FindOrphanUsersAsync(null, null, CancellationToken.None));
        Assert.Equal(issued.Lease.UserName, found.User.UserName);
        Assert.Equal(OrphanReason.Abandoned, found.Reason);
        Assert.Equal("team-", Orphans.NamePrefix("team-{{.RoleName}}-{{random 12}}"));
        Assert.Equal("vault-", Orphans.NamePrefix(null));
        Assert.Equal(string.Empty, Orphans.NamePrefix("{{.RoleName}}-{{random 20}}"));
    }

    [Fact]
    public async Task A_name_the_template_renders_that_someone_else_holds_gets_nothing_and_survives()
    {
        Engine.SetRootConfig(null, new RootConfigInput { UsernameTemplate = "fixed-{{.RoleName}}" });
        CreateGroup("devs");
        Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly], PolicyDocument = "{\"Version\":\"2012-10-17\",\"Statement\":[]}", IamGroups = ["devs"] });
        await CreateUserByHand("fixed-dev", withKey: true);

        var ex = await Assert.ThrowsAsync<EngineException>(() => Issue());
        Assert.Equal("UserNameTaken", ex.Reason);
        Assert.Equal(ErrorKind.ResourceExists, ex.Kind);
        Assert.Equal("fixed-dev", ex.Target);

        var user = Server.State.Users.Single(u => u.UserName == "fixed-dev");
        Assert.Empty(user.AttachedPolicyArns);
        Assert.Empty(user.InlinePolicies);
        Assert.Empty(user.Groups);
        Assert.Single(user.AccessKeys);
        Assert.Empty(Engine.ListLeases(null));
        using var store = SqliteLeaseStore.Open(Temp.StorePath);
        Assert.Empty(store.ListPendingLeases());
        Assert.DoesNotContain(Server.State.Requests, r => r.Action is "DeleteUser" or "AttachUserPolicy" or "PutUserPolicy" or "AddUserToGroup");
        Assert.Single(Server.State.Requests, r => r.Action == "CreateAccessKey");
    }

    [Fact]
    public async Task A_retry_after_a_lost_CreateUser_answer_adopts_the_user_that_attempt_made()
    {
        Engine.SetRootConfig(null, new RootConfigInput { MaxRetries = 2 });
        Server.Options.AddLoseAnswer(new FaultRule("CreateUser", 1));

        var issued = await Issue();

        var creates = Server.State.Requests.Where(r => r.Action == "CreateUser").ToList();
        Assert.Equal(2, creates.Count);
        Assert.Equal(409, creates[1].StatusCode);
        var user = Assert.Single(VaultUsers);
        Assert.Equal(issued.Lease.UserName, user.UserName);
        Assert.Equal(issued.AccessKeyId, Assert.Single(user.AccessKeys).AccessKeyId);
        Assert.Equal(Engine.StoreId, MarkerOf(user.UserName)!.StoreId);
    }

    [Fact]
    public async Task Recovery_leaves_alone_a_user_an_interrupted_issue_cannot_be_shown_to_have_made()
    {
        using var store = SqliteLeaseStore.Open(Temp.StorePath);
        store.InsertLease(IntentOfDeadProcess("fixed-dev"));
        // CreateUser never answered for this intent, and the user carries no marker: somebody else's.
        await CreateUserByHand("fixed-dev", withKey: true);

        Assert.Equal(0, await Engine.RecoverAbandonedIntentsAsync(null, CancellationToken.None));
        Assert.True(Server.State.UserExists("fixed-dev"));
        Assert.Single(Server.State.Users.Single(u => u.UserName == "fixed-dev").AccessKeys);
        Assert.Empty(store.ListPendingLeases());
    }

    [Fact]
    public async Task Recovery_removes_a_half_made_user_whose_marker_names_this_store_and_intent()
    {
        using var store = SqliteLeaseStore.Open(Temp.StorePath);
        var intent = IntentOfDeadProcess("vault-tester-dev-1-MARKERMARKERMARKERMA");
        store.InsertLease(intent);
        await CreateUserByHand(intent.UserName!, withKey: true);
        Ok(await Root.IamAsync("PutUserPolicy", ("UserName", intent.UserName!), ("PolicyName", ExpiryGuard.PolicyName),
            ("PolicyDocument", ExpiryGuard.Document(new OwnershipMarker(Engine.StoreId, intent.LeaseId, intent.ExpireTime)))));

        Assert.Equal(1, await Engine.RecoverAbandonedIntentsAsync(null, CancellationToken.None));
        Assert.False(Server.State.UserExists(intent.UserName!));
        Assert.Empty(store.ListPendingLeases());
    }

    [Fact]
    public async Task The_next_issue_first_cleans_up_after_an_interrupted_one()
    {
        using var store = SqliteLeaseStore.Open(Temp.StorePath);
        var intent = IntentOfDeadProcess("vault-tester-dev-1-INTERRUPTEDINTERRUPT");
        store.InsertLease(intent);
        await CreateUserByHand(intent.UserName!, withKey: true);
        Assert.True(store.MarkUserCreated(intent.LeaseId));

        // Reading the store never calls AWS for it.
        var before = Server.State.Requests.Count;
        Assert.Empty(Engine.ListLeases(null));
        Assert.NotEmpty(Engine.GetMounts());
        Assert.Equal(before, Server.State.Requests.Count);
        Assert.True(Server.State.UserExists(intent.UserName!));

        var issued = await Issue();
        Assert.False(Server.State.UserExists(intent.UserName!));
        Assert.Empty(store.ListPendingLeases());
        Assert.Equal(issued.Lease.UserName, Assert.Single(VaultUsers).UserName);
    }

    private LeaseRecord IntentOfDeadProcess(string userName)
    {
        var dead = DeadProcess();
        return new LeaseRecord(
            LeaseIds.New("aws", "dev"), "aws", "dev", "iam_user", LeaseState.Pending, Now, Now.AddHours(1), Now.AddHours(3),
            null, true, userName, null, null, new LeaseOwner(Environment.MachineName, dead.Id, dead.Start));
    }
}
