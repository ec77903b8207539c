using DynamicAwsCreds.Engine.Store;
using Xunit;

namespace DynamicAwsCreds.Tests.Store;

/// <summary>Leases and intents, prefix scans, the credential cache, and steps raced from many threads.</summary>
public abstract partial class LeaseStoreConformance
{
    // ---- leases and intents -----------------------------------------------------------------

    [Fact]
    public void Leases_and_intents_read_back_as_written()
    {
        AddMounts("aws");
        var intent = Intent(Id("dev"));
        var sts = new LeaseRecord(Id("ops", "BBBBBBBBBBBBBBBBBBBBBBBB"), "aws", "ops", "assumed_role", LeaseState.Active, Now, Now.AddHours(1), Now.AddHours(1),
            null, false, null, "ASIAEXAMPLE", "arn:aws:iam::123456789012:role/ops", null);
        Assert.True(Store.InsertLeaseUnderEnabledMount(intent));
        Assert.True(Store.InsertLeaseUnderEnabledMount(sts));
        Assert.Equal(intent, Store.GetLease(intent.LeaseId));
        Assert.Equal(sts, Store.GetLease(sts.LeaseId));
        Assert.Null(Store.GetLease(Id("Dev")));
    }

    [Fact]
    public void A_revoked_leases_tombstone_lasts_until_its_time_and_the_next_remember_drops_passed_ones()
    {
        var early = Id("dev");
        var late = Id("dev", "BBBBBBBBBBBBBBBBBBBBBBBB");
        Assert.False(Store.WasLeaseRevoked(early, Now));

        Store.RememberRevokedLease(early, Now.AddHours(1), Now);
        Assert.True(Store.WasLeaseRevoked(early, Now));
        Assert.True(Store.WasLeaseRevoked(early, Now.AddMinutes(59)));
        Assert.False(Store.WasLeaseRevoked(early, Now.AddHours(1)));
        Assert.False(Store.WasLeaseRevoked(late, Now));

        // Remembering another after the first one's time removes the first: asked about an earlier time, it is gone.
        Store.RememberRevokedLease(late, Now.AddHours(3), Now.AddHours(2));
        Assert.False(Store.WasLeaseRevoked(early, Now));
        Assert.True(Store.WasLeaseRevoked(late, Now.AddHours(2)));

        // Remembering again moves the time on.
        Store.RememberRevokedLease(late, Now.AddHours(5), Now.AddHours(2));
        Assert.True(Store.WasLeaseRevoked(late, Now.AddHours(4)));
    }

    [Fact]
    public void A_lease_is_refused_under_a_missing_or_disabling_mount_and_for_an_id_that_exists()
    {
        Assert.False(Store.InsertLeaseUnderEnabledMount(Active(Id("dev"))));
        AddMounts("aws");
        var first = Intent(Id("dev"));
        Assert.True(Store.InsertLeaseUnderEnabledMount(first));
        Assert.False(Store.InsertLeaseUnderEnabledMount(Active(Id("dev"), user: "someone-else")));
        Assert.Equal(first, Store.GetLease(first.LeaseId));

        Assert.True(Store.SetMountDisabling("aws", true));
        Assert.False(Store.InsertLeaseUnderEnabledMount(Active(Id("dev", "BBBBBBBBBBBBBBBBBBBBBBBB"))));
        Assert.Null(Store.GetLease(Id("dev", "BBBBBBBBBBBBBBBBBBBBBBBB")));
        Assert.True(Store.SetMountDisabling("aws", false));
        Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id("dev", "BBBBBBBBBBBBBBBBBBBBBBBB"))));
    }

    [Fact]
    public void Activation_turns_a_pending_intent_active_once_and_clears_its_owner()
    {
        AddMounts("aws");
        var intent = Intent(Id("dev"));
        Assert.True(Store.InsertLeaseUnderEnabledMount(intent));
        Assert.True(Store.ActivateLease(intent.LeaseId, "AKIDNEW"));
        Assert.Equal(intent with { State = LeaseState.Active, AccessKeyId = "AKIDNEW", Owner = null }, Store.GetLease(intent.LeaseId));
        Assert.False(Store.ActivateLease(intent.LeaseId, "AKIDOTHER"));
        Assert.Equal("AKIDNEW", Store.GetLease(intent.LeaseId)!.AccessKeyId);
        Assert.False(Store.ActivateLease(Id("dev", "ZZZZZZZZZZZZZZZZZZZZZZZZ"), "AKIDNEW"));

        var sts = Active(Id("ops"));
        Assert.True(Store.InsertLeaseUnderEnabledMount(sts));
        Assert.False(Store.ActivateLease(sts.LeaseId, null));
    }

    [Fact]
    public void Activation_is_refused_while_the_mount_is_being_disabled_or_gone()
    {
        AddMounts("aws");
        var intent = Intent(Id("dev"));
        Assert.True(Store.InsertLeaseUnderEnabledMount(intent));
        Assert.True(Store.SetMountDisabling("aws", true));
        Assert.False(Store.ActivateLease(intent.LeaseId, "AKIDNEW"));
        Assert.Equal(intent, Store.GetLease(intent.LeaseId));
        Assert.True(Store.SetMountDisabling("aws", false));

        Assert.True(Store.RemoveMount("aws"));
        Assert.False(Store.ActivateLease(intent.LeaseId, "AKIDNEW"));
        Assert.Equal(intent, Store.GetLease(intent.LeaseId));
    }

    [Fact]
    public void An_intent_remembers_that_its_user_was_created()
    {
        AddMounts("aws");
        var intent = Intent(Id("dev"));
        Assert.True(Store.InsertLeaseUnderEnabledMount(intent));
        Assert.False(Store.WasUserCreated(intent.LeaseId));
        Assert.True(Store.MarkUserCreated(intent.LeaseId));
        Assert.True(Store.WasUserCreated(intent.LeaseId));
        Assert.Equal(intent, Store.GetLease(intent.LeaseId));
        Assert.True(Store.ActivateLease(intent.LeaseId, "AKIDNEW"));
        Assert.True(Store.WasUserCreated(intent.LeaseId));

        var active = Active(Id("ops"));
        Assert.True(Store.InsertLeaseUnderEnabledMount(active));
        Assert.False(Store.MarkUserCreated(active.LeaseId));
        Assert.False(Store.WasUserCreated(active.LeaseId));
        Assert.False(Store.MarkUserCreated(Id("none")));
        Assert.False(Store.WasUserCreated(Id("none")));
    }

    [Fact]
    public void Only_an_active_lease_takes_a_new_expiry()
    {
        AddMounts("aws");
        var active = Active(Id("dev"));
        var intent = Intent(Id("ops"));
        Assert.True(Store.InsertLeaseUnderEnabledMount(active));
        Assert.True(Store.InsertLeaseUnderEnabledMount(intent));
        Assert.True(Store.UpdateLeaseExpiry(active.LeaseId, Now.AddHours(5), Now.AddMinutes(1)));
        Assert.Equal(active with { ExpireTime = Now.AddHours(5), LastRenewalTime = Now.AddMinutes(1) }, Store.GetLease(active.LeaseId));
        Assert.False(Store.UpdateLeaseExpiry(intent.LeaseId, Now.AddHours(5), Now));
        Assert.Equal(intent, Store.GetLease(intent.LeaseId));
        Assert.False(Store.UpdateLeaseExpiry(Id("none"), Now.AddHours(5), Now));
    }

    [Fact]
    public void A_lease_is_deleted_once_with_its_cache_entry()
    {
        AddMounts("aws");
        var lease = Active(Id("dev"));
        Assert.True(Store.InsertLeaseUnderEnabledMount(lease));
        Store.PutCachedCredential(lease.LeaseId, "aws", "dev", "ab", [1]);
        Assert.True(Store.DeleteLease(lease.LeaseId));
        Assert.False(Store.DeleteLease(lease.LeaseId));
        Assert.Null(Store.GetLease(lease.LeaseId));
        Assert.False(Store.HasSealedSecrets());

        // The same id again starts without the old entry.
        Assert.True(Store.InsertLeaseUnderEnabledMount(lease));
        Assert.Empty(Store.ListCachedCredentials("ab", Now));
    }

    // ---- prefix scans and lists -------------------------------------------------------------

    private static readonly string[] ScanIds =
    [
        "dev/A", "dev/B", "dev/~", "dev/\u00e9", "dev/\uFFFF", "dev/\U0001F600", "dev-x/A", "dev.x/A", "dev0/A", "Dev/A", "developer/A",
        "d\u00e9v/A", "dev%/A", "de_/A", "x\uFFFF/A", "x\uFFFF\uFFFF/B", "x\uFFFE/A", "x\U00010000/A", "y/A",
    ];

    /// <summary>The ids a scan returns, without the "aws/creds/" they all start with.</summary>
    private string[] Scan(string prefix, bool activeOnly = true) =>
        Store.ListLeasesByPrefix("aws/creds/" + prefix, activeOnly).Select(l => l.LeaseId["aws/creds/".Length..]).ToArray();

    [Fact]
    public void A_prefix_scan_matches_ordinally_and_lists_by_code_point()
    {
        AddMounts("aws");
        Assert.Equal(ScanIds.Length, Store.ImportLeases(ScanIds.Select(id => Active("aws/creds/" + id))));
        Assert.True(Store.InsertLeaseUnderEnabledMount(Intent("aws/creds/dev/P")));

        Assert.Equal(["dev/A", "dev/B", "dev/~", "dev/\u00e9", "dev/\uFFFF", "dev/\U0001F600"], Scan("dev/"));
        Assert.Equal(["dev/A", "dev/B", "dev/P", "dev/~", "dev/\u00e9", "dev/\uFFFF", "dev/\U0001F600"], Scan("dev/", activeOnly: false));
        Assert.Equal(["dev%/A", "dev-x/A", "dev.x/A", "dev/A", "dev/B", "dev/~", "dev/\u00e9", "dev/\uFFFF", "dev/\U0001F600", "dev0/A", "developer/A"], Scan("dev"));
        Assert.Equal(["Dev/A"], Scan("Dev/"));
        Assert.Equal(["d\u00e9v/A"], Scan("d\u00e9"));
        Assert.Equal(["dev/\uFFFF"], Scan("dev/\uFFFF"));
        Assert.Equal(["dev/\U0001F600"], Scan("dev/\U0001F600"));
        Assert.Equal(["x\uFFFF/A", "x\uFFFF\uFFFF/B"], Scan("x\uFFFF"));
        Assert.Equal(["x\uFFFF\uFFFF/B"], Scan("x\uFFFF\uFFFF"));
        Assert.Equal(["de_/A"], Scan("de_"));
        Assert.Equal(["dev%/A"], Scan("dev%"));
        Assert.Empty(Scan("dev/A/"));
        Assert.Empty(Scan("z"));
        Assert.Equal(ScanIds.Length, Store.ListLeasesByPrefix("").Count);
        Assert.Equal(ScanIds.Length + 1, Store.ListLeasesByPrefix("", activeOnly: false).Count);
        Assert.Equal(Store.ListLeasesByPrefix("").Select(l => l.LeaseId).Order(CodePointOrder.Instance), Store.ListLeasesByPrefix("").Select(l => l.LeaseId));
    }

    [Fact]
    public void Intents_list_oldest_first_and_expired_leases_soonest_first()
    {
        AddMounts("aws");
        Assert.True(Store.InsertLeaseUnderEnabledMount(Intent(Id("a"), issued: Now.AddMinutes(2))));
        Assert.True(Store.InsertLeaseUnderEnabledMount(Intent(Id("b"), issued: Now)));
        Assert.True(Store.InsertLeaseUnderEnabledMount(Intent(Id("c"), issued: Now.AddMinutes(1)) with { ExpireTime = Now.AddHours(-9) }));
        Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id("d"), expire: Now)));
        Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id("e"), expire: Now.AddHours(-1))));
        Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id("f"), expire: Now.AddMilliseconds(1))));

        Assert.Equal([Id("b"), Id("c"), Id("a")], Store.ListPendingLeases().Select(l => l.LeaseId));
        Assert.Equal([Id("e"), Id("d")], Store.ListExpiredLeases(Now).Select(l => l.LeaseId));
        Assert.Empty(Store.ListExpiredLeases(Now.AddHours(-2)));
    }

    [Fact]
    public void User_names_cover_leases_and_intents_and_counts_cover_active_leases_of_the_mount()
    {
        AddMounts("aws", "aws2");
        Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id("a"), user: "vault-a")));
        Assert.True(Store.InsertLeaseUnderEnabledMount(Intent(Id("b"), user: "vault-b")));
        Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id("c"), user: null)));
        Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id("a", mount: "aws2"), user: "vault-c")));

        Assert.Equal(new HashSet<string> { "vault-a", "vault-b", "vault-c" }, Store.ListLeaseUserNames());
        Assert.Equal(2, Store.CountLeases("aws"));
        Assert.Equal(1, Store.CountLeases("aws2"));
        Assert.Equal(0, Store.CountLeases("aw"));
    }

    [Fact]
    public void An_import_adds_only_ids_that_do_not_exist()
    {
        AddMounts("aws");
        var existing = Active(Id("a"), user: "vault-original");
        Assert.True(Store.InsertLeaseUnderEnabledMount(existing));
        var added = Store.ImportLeases([Active(Id("a"), user: "vault-new"), Active(Id("b"), user: "vault-b1"), Active(Id("b"), user: "vault-b2"), Active(Id("c"))]);
        Assert.Equal(2, added);
        Assert.Equal(existing, Store.GetLease(Id("a")));
        Assert.Equal("vault-b1", Store.GetLease(Id("b"))!.UserName);
        Assert.Equal(3, Store.CountLeases("aws"));
        Assert.Equal(0, Store.ImportLeases([]));
    }

    // ---- the credential cache ---------------------------------------------------------------

    [Fact]
    public void Cached_credentials_list_by_request_key_while_their_lease_lasts_longest_first()
    {
        AddMounts("aws");
        (string Id, DateTimeOffset Expire, string Key)[] entries =
        [
            (Id("dev", "A"), Now.AddHours(1), "k1"), (Id("dev", "B"), Now.AddHours(3), "k1"), (Id("dev", "C"), Now.AddHours(2), "k1"),
            (Id("dev", "D"), Now, "k1"), (Id("dev", "E"), Now.AddHours(4), "k2"),
        ];
        foreach (var (id, expire, key) in entries)
        {
            Assert.True(Store.InsertLeaseUnderEnabledMount(Active(id, expire)));
            Store.PutCachedCredential(id, "aws", "dev", key, [(byte)id[^1]]);
        }

        Assert.True(Store.InsertLeaseUnderEnabledMount(Intent(Id("dev", "F"))));
        Store.PutCachedCredential(Id("dev", "F"), "aws", "dev", "k1", [1]);

        var listed = Store.ListCachedCredentials("k1", Now);
        Assert.Equal([Id("dev", "B"), Id("dev", "C"), Id("dev", "A")], listed.Select(e => e.Lease.LeaseId));
        Assert.Equal([(byte)'B', (byte)'C', (byte)'A'], listed.Select(e => e.Sealed.Single()));
        Assert.Equal(Store.GetLease(Id("dev", "B")), listed[0].Lease);
        Assert.Empty(Store.ListCachedCredentials("k3", Now));

        // A second put for a lease replaces its entry.
        Store.PutCachedCredential(Id("dev", "A"), "aws", "dev", "k2", [42]);
        Assert.Equal([Id("dev", "B"), Id("dev", "C")], Store.ListCachedCredentials("k1", Now).Select(e => e.Lease.LeaseId));
        Assert.Equal([(byte)'E', (byte)42], Store.ListCachedCredentials("k2", Now).Select(e => e.Sealed.Single()));
    }

    [Fact]
    public void A_cache_entry_for_a_lease_that_is_gone_is_not_kept()
    {
        AddMounts("aws");
        Store.PutCachedCredential(Id("dev"), "aws", "dev", "ab", [1]);
        Assert.False(Store.HasSealedSecrets());
        Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id("dev"))));
        Assert.Empty(Store.ListCachedCredentials("ab", Now));
    }

    [Fact]
    public void Cache_entries_are_forgotten_one_by_role_or_by_mount_and_their_leases_stay()
    {
        AddMounts("aws", "other");
        foreach (var (mount, role) in new[] { ("aws", "dev"), ("aws", "ops"), ("other", "dev") })
        {
            var id = Id(role, mount: mount);
            Assert.True(Store.InsertLeaseUnderEnabledMount(Active(id)));
            Store.PutCachedCredential(id, mount, role, "ab", [1]);
            Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id(role, "BBBBBBBBBBBBBBBBBBBBBBBB", mount))));
            Store.PutCachedCredential(Id(role, "BBBBBBBBBBBBBBBBBBBBBBBB", mount), mount, role, "ab", [2]);
        }

        string[] Cached() => Store.ListCachedCredentials("ab", Now).Select(e => e.Lease.LeaseId).Order(StringComparer.Ordinal).ToArray();
        Store.DeleteCachedCredential(Id("dev"));
        Assert.Equal(5, Cached().Length);
        Store.DeleteCachedCredentials("aws", "ops");
        Assert.Equal([Id("dev", "BBBBBBBBBBBBBBBBBBBBBBBB"), Id("dev", mount: "other"), Id("dev", "BBBBBBBBBBBBBBBBBBBBBBBB", "other")], Cached());
        Store.DeleteCachedCredentials("aws");
        Assert.Equal([Id("dev", mount: "other"), Id("dev", "BBBBBBBBBBBBBBBBBBBBBBBB", "other")], Cached());
        Assert.Equal(4, Store.CountLeases("aws"));
    }

    [Fact]
    public void Sealed_secrets_are_those_of_root_configs_and_cache_entries()
    {
        Assert.False(Store.HasSealedSecrets());
        AddMounts("aws");
        Store.UpdateRootConfig("aws", _ => RootConfig("aws"));
        Assert.False(Store.HasSealedSecrets());
        Store.UpdateRootConfig("aws", _ => RootConfig("aws", [1]));
        Assert.True(Store.HasSealedSecrets());
        Store.UpdateRootConfig("aws", c => c! with { SecretKeyCiphertext = null });
        Assert.False(Store.HasSealedSecrets());

        Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id("dev"))));
        Store.PutCachedCredential(Id("dev"), "aws", "dev", "ab", [1]);
        Assert.True(Store.HasSealedSecrets());
        Store.DeleteCachedCredential(Id("dev"));
        Assert.False(Store.HasSealedSecrets());
    }

    // ---- steps raced from many threads ------------------------------------------------------

    [Fact]
    public void Of_many_threads_activating_one_intent_exactly_one_succeeds()
    {
        AddMounts("aws");
        Assert.True(Store.InsertLeaseUnderEnabledMount(Intent(Id("dev"))));
        var won = Together.Run(12, i => Store.ActivateLease(Id("dev"), "AKID" + i));
        var winner = Assert.Single(Enumerable.Range(0, won.Length), i => won[i]);
        Assert.Equal("AKID" + winner, Store.GetLease(Id("dev"))!.AccessKeyId);
    }

    [Fact]
    public void Of_many_threads_writing_one_lease_id_exactly_one_succeeds()
    {
        AddMounts("aws");
        var won = Together.Run(12, i => Store.InsertLeaseUnderEnabledMount(Intent(Id("dev"), user: "vault-" + i)));
        var winner = Assert.Single(Enumerable.Range(0, won.Length), i => won[i]);
        Assert.Equal("vault-" + winner, Store.GetLease(Id("dev"))!.UserName);
    }

    [Fact]
    public void Of_many_threads_adding_nesting_mounts_exactly_one_succeeds()
    {
        var paths = Enumerable.Range(1, 8).Select(n => string.Join("/", Enumerable.Repeat("t", n))).ToArray();
        var clashes = Together.Run(paths.Length * 2, i => Store.AddMount(Mount(paths[i % paths.Length])));
        Assert.Single(clashes, c => c is null);
        Assert.Single(Store.ListMounts());
    }

    [Fact]
    public void Read_modify_writes_from_many_threads_lose_no_update()
    {
        AddMounts("aws");
        Store.UpdateRootConfig("aws", _ => RootConfig("aws") with { MaxRetries = 0 });
        Store.UpdateRole("aws", "dev", _ => new RoleRecord("aws", "dev", "0", Now));
        Together.Run(8, _ =>
        {
            for (var i = 0; i < 5; i++)
            {
                Store.UpdateRootConfig("aws", c => c! with { MaxRetries = c.MaxRetries + 1 });
                Store.UpdateRole("aws", "dev", r => r! with { DefinitionJson = (int.Parse(r.DefinitionJson) + 1).ToString() });
            }

            return true;
        });
        Assert.Equal(40, Store.GetRootConfig("aws")!.MaxRetries);
        Assert.Equal("40", Store.GetRole("aws", "dev")!.DefinitionJson);
    }
}
