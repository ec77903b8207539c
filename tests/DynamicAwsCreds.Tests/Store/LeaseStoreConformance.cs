using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Store;
using Xunit;

namespace DynamicAwsCreds.Tests.Store;

/// <summary>
/// The <see cref="ILeaseStore"/> contract, written once: every store runs it through a subclass that makes a fresh,
/// empty store. The tests use nothing but the interface, so any store can run them.
/// </summary>
public abstract partial class LeaseStoreConformance : IDisposable
{
    protected static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000);

    private readonly Lazy<ILeaseStore> _store;

    protected LeaseStoreConformance() => _store = new Lazy<ILeaseStore>(CreateStore);

    /// <summary>A fresh, empty store on each call; the caller disposes it.</summary>
    protected abstract ILeaseStore CreateStore();

    /// <summary>Removes what <see cref="CreateStore"/> left behind, after the store is disposed.</summary>
    protected virtual void CleanUp()
    {
    }

    /// <summary>The store under test, made on first use.</summary>
    protected ILeaseStore Store => _store.Value;

    public void Dispose()
    {
        if (_store.IsValueCreated)
        {
            _store.Value.Dispose();
        }

        CleanUp();
        GC.SuppressFinalize(this);
    }

    protected static MountRecord Mount(string path, string? description = null) =>
        new(path, "aws", description, TimeSpan.FromHours(1), TimeSpan.FromHours(2), Now);

    protected static string Id(string role, string nonce = "AAAAAAAAAAAAAAAAAAAAAAAA", string mount = "aws") => $"{mount}/creds/{role}/{nonce}";

    /// <summary>An active iam_user lease; its mount is the id's first segment.</summary>
    protected static LeaseRecord Active(string id, DateTimeOffset? expire = null, string? user = "vault-user") =>
        new(id, id[..id.IndexOf('/')], "dev", "iam_user", LeaseState.Active, Now, expire ?? Now.AddHours(1), Now.AddHours(768), null, true,
            user, "AKIDEXAMPLE", null, null);

    /// <summary>An intent, as written before CreateUser, owned by a process.</summary>
    protected static LeaseRecord Intent(string id, DateTimeOffset? issued = null, string? user = "vault-intent") =>
        Active(id, user: user) with
        {
            State = LeaseState.Pending,
            IssueTime = issued ?? Now,
            AccessKeyId = null,
            Owner = new LeaseOwner("host-a", 4242, Now.AddMinutes(-5)),
        };

    protected void AddMounts(params string[] paths)
    {
        foreach (var path in paths)
        {
            Assert.Null(Store.AddMount(Mount(path)));
        }
    }

    protected static RootConfigRecord RootConfig(string mount, byte[]? secret = null) =>
        new(mount, secret is null ? null : "AKIDEXAMPLE", secret, "eu-west-1", "https://iam.example/", "https://sts.example/", 5, "{{.RoleName}}")
        {
            StsRegion = "eu-central-1",
            StsFallbackEndpoints = ["https://sts.eu-west-2.amazonaws.com/"],
            StsFallbackRegions = ["eu-west-2"],
            EndpointsVetted = true,
        };

    // ---- the store itself -------------------------------------------------------------------

    [Fact]
    public void A_store_has_a_location_and_a_random_id_of_the_common_form()
    {
        Assert.False(string.IsNullOrWhiteSpace(Store.Location));
        Assert.Equal(StoreIds.Length, Store.StoreId.Length);
        Assert.All(Store.StoreId, c => Assert.True(char.IsAsciiLetterOrDigit(c)));
        using var other = CreateStore();
        Assert.NotEqual(Store.StoreId, other.StoreId);
    }

    [Fact]
    public void Times_and_durations_come_back_to_the_millisecond()
    {
        AddMounts("aws");
        var fine = Now.AddTicks(1234).ToOffset(TimeSpan.FromHours(2));
        var lease = Active(Id("dev")) with { IssueTime = fine, ExpireTime = fine.AddHours(1), LastRenewalTime = fine };
        Assert.True(Store.InsertLeaseUnderEnabledMount(lease));
        var back = Store.GetLease(lease.LeaseId)!;
        Assert.Equal(Now, back.IssueTime);
        Assert.Equal(Now.AddHours(1), back.ExpireTime);
        Assert.Equal(Now, back.LastRenewalTime);

        Assert.True(Store.PutLeaseConfig(new LeaseConfigRecord("aws", TimeSpan.FromTicks(15_000_1234), TimeSpan.FromSeconds(3))));
        Assert.Equal(TimeSpan.FromMilliseconds(15_000), Store.GetLeaseConfig("aws")!.Lease);
    }

    // ---- mounts ---------------------------------------------------------------------------

    [Fact]
    public void A_mount_is_added_once_and_reads_back()
    {
        var mount = Mount("aws", "first");
        Assert.Null(Store.AddMount(mount));
        Assert.Equal(mount, Store.GetMount("aws"));
        Assert.True(Store.MountTakesLeases("aws"));

        Assert.Equal(mount, Store.AddMount(Mount("aws", "second")));
        Assert.Equal("first", Assert.Single(Store.ListMounts()).Description);
        Assert.Null(Store.GetMount("AWS"));
        Assert.False(Store.MountTakesLeases("nothing"));
    }

    [Theory]
    [InlineData("team/aws", "team")]
    [InlineData("team", "team/aws")]
    [InlineData("team/aws/deep", "team")]
    public void Mounts_may_not_nest_either_way(string existing, string added)
    {
        AddMounts(existing);
        Assert.Equal(existing, Store.AddMount(Mount(added))?.Path);
        Assert.Single(Store.ListMounts());
    }

    [Fact]
    public void Paths_that_only_share_characters_do_not_nest_and_list_in_ordinal_order()
    {
        AddMounts("team", "team-b", "teams", "Team", "team.x/aws");
        Assert.Equal(["Team", "team", "team-b", "team.x/aws", "teams"], Store.ListMounts().Select(m => m.Path));
    }

    [Fact]
    public void A_mount_being_disabled_stays_but_takes_no_leases_until_cleared()
    {
        AddMounts("aws");
        Assert.True(Store.SetMountDisabling("aws", true));
        Assert.True(Store.SetMountDisabling("aws", true));
        Assert.False(Store.MountTakesLeases("aws"));
        Assert.NotNull(Store.GetMount("aws"));
        Assert.True(Store.SetMountDisabling("aws", false));
        Assert.True(Store.MountTakesLeases("aws"));
        Assert.False(Store.SetMountDisabling("other", true));
    }

    [Fact]
    public void Removing_a_mount_takes_its_config_roles_and_cache_but_not_its_leases()
    {
        AddMounts("aws", "other");
        foreach (var mount in new[] { "aws", "other" })
        {
            Assert.NotNull(Store.UpdateRootConfig(mount, _ => RootConfig(mount, [1, 2, 3])));
            Assert.True(Store.PutLeaseConfig(new LeaseConfigRecord(mount, TimeSpan.FromHours(1), TimeSpan.FromHours(2))));
            Assert.NotNull(Store.UpdateRole(mount, "dev", _ => new RoleRecord(mount, "dev", "{}", Now)));
            Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id("dev", mount: mount))));
            Store.PutCachedCredential(Id("dev", mount: mount), mount, "dev", "ab" + mount.Length, [9]);
        }

        Assert.True(Store.RemoveMount("aws"));
        Assert.Null(Store.GetMount("aws"));
        Assert.Null(Store.GetRootConfig("aws"));
        Assert.Null(Store.GetRootConfigGeneration("aws"));
        Assert.Null(Store.GetLeaseConfig("aws"));
        Assert.Null(Store.GetRole("aws", "dev"));
        Assert.Empty(Store.ListRoles("aws"));
        Assert.Empty(Store.ListCachedCredentials("ab3", Now));
        Assert.NotNull(Store.GetLease(Id("dev")));
        Assert.Equal(1, Store.CountLeases("aws"));
        Assert.False(Store.RemoveMount("aws"));

        Assert.NotNull(Store.GetRootConfig("other"));
        Assert.NotNull(Store.GetLeaseConfig("other"));
        Assert.NotNull(Store.GetRole("other", "dev"));
        Assert.Single(Store.ListCachedCredentials("ab5", Now));

        // Enabled again, the path starts with nothing of the old mount's.
        AddMounts("aws");
        Assert.Null(Store.GetRootConfig("aws"));
        Assert.Empty(Store.ListRoles("aws"));
    }

    // ---- root and lease config --------------------------------------------------------------

    [Fact]
    public void UpdateRootConfig_under_a_missing_mount_writes_nothing()
    {
        Assert.Null(Store.UpdateRootConfig("aws", _ => RootConfig("aws", [1])));
        AddMounts("aws");
        Assert.Null(Store.GetRootConfig("aws"));
        Assert.Null(Store.GetRootConfigGeneration("aws"));
        Assert.False(Store.HasSealedSecrets());
    }

    [Fact]
    public void UpdateRootConfig_reads_changes_and_writes_every_field_with_a_new_generation()
    {
        AddMounts("aws");
        RootConfigRecord? seen = RootConfig("aws");
        var written = Store.UpdateRootConfig("aws", existing =>
        {
            seen = existing;
            return RootConfig("aws", [1, 2, 3]);
        })!;
        Assert.Null(seen);
        var read = Store.GetRootConfig("aws")!;
        foreach (var c in new[] { written, read })
        {
            Assert.Equal(("aws", "AKIDEXAMPLE", "eu-west-1", "https://iam.example/", "https://sts.example/", (int?)5, "{{.RoleName}}"),
                (c.Mount, c.AccessKey, c.Region, c.IamEndpoint, c.StsEndpoint, c.MaxRetries, c.UsernameTemplate));
            Assert.Equal(new byte[] { 1, 2, 3 }, c.SecretKeyCiphertext);
            Assert.Equal(("eu-central-1", true), (c.StsRegion, c.EndpointsVetted));
            Assert.Equal(["https://sts.eu-west-2.amazonaws.com/"], c.StsFallbackEndpoints);
            Assert.Equal(["eu-west-2"], c.StsFallbackRegions);
        }

        Assert.Equal(written.Generation, read.Generation);
        Assert.Equal(read.Generation, Store.GetRootConfigGeneration("aws"));

        var generations = new HashSet<long> { read.Generation };
        for (var i = 0; i < 5; i++)
        {
            var again = Store.UpdateRootConfig("aws", existing =>
            {
                Assert.Equal(Store.GetRootConfigGeneration("aws"), existing!.Generation);
                return existing with { Region = "us-east-" + i };
            })!;
            Assert.True(generations.Add(again.Generation));
            Assert.Equal(again.Generation, Store.GetRootConfigGeneration("aws"));
        }

        // Fields cleared by the change are cleared in the store.
        var cleared = Store.UpdateRootConfig("aws", existing => existing! with { AccessKey = null, SecretKeyCiphertext = null, StsFallbackEndpoints = [], StsFallbackRegions = [] })!;
        Assert.Null(Store.GetRootConfig("aws")!.SecretKeyCiphertext);
        Assert.Empty(Store.GetRootConfig("aws")!.StsFallbackEndpoints);
        Assert.Null(cleared.AccessKey);
    }

    [Fact]
    public void A_change_that_throws_writes_nothing()
    {
        AddMounts("aws");
        var first = Store.UpdateRootConfig("aws", _ => RootConfig("aws"))!;
        Assert.Throws<InvalidOperationException>(() => Store.UpdateRootConfig("aws", _ => throw new InvalidOperationException("changed my mind")));
        Assert.Equal(first.Generation, Store.GetRootConfigGeneration("aws"));

        Assert.NotNull(Store.UpdateRole("aws", "dev", _ => new RoleRecord("aws", "dev", "{\"v\":1}", Now)));
        Assert.Throws<InvalidOperationException>(() => Store.UpdateRole("aws", "dev", _ => throw new InvalidOperationException("changed my mind")));
        Assert.Throws<InvalidOperationException>(() => Store.UpdateRole("aws", "ops", _ => throw new InvalidOperationException("changed my mind")));
        Assert.Equal("{\"v\":1}", Store.GetRole("aws", "dev")!.DefinitionJson);
        Assert.Null(Store.GetRole("aws", "ops"));
    }

    [Fact]
    public void A_change_may_not_move_the_record_to_another_key()
    {
        AddMounts("aws", "other");
        Assert.Throws<ArgumentException>(() => Store.UpdateRootConfig("aws", _ => RootConfig("other")));
        Assert.Throws<ArgumentException>(() => Store.UpdateRole("aws", "dev", _ => new RoleRecord("other", "dev", "{}", Now)));
        Assert.Throws<ArgumentException>(() => Store.UpdateRole("aws", "dev", _ => new RoleRecord("aws", "ops", "{}", Now)));
        Assert.Null(Store.GetRootConfig("aws"));
        Assert.Null(Store.GetRootConfig("other"));
        Assert.Empty(Store.ListRoles("aws"));
        Assert.Empty(Store.ListRoles("other"));
    }

    [Fact]
    public void What_a_caller_does_to_its_arrays_changes_nothing_stored()
    {
        AddMounts("aws");
        var secret = new byte[] { 1, 2, 3 };
        Store.UpdateRootConfig("aws", _ => RootConfig("aws", secret));
        secret[0] = 99;
        Store.GetRootConfig("aws")!.SecretKeyCiphertext![1] = 99;
        Assert.Equal(new byte[] { 1, 2, 3 }, Store.GetRootConfig("aws")!.SecretKeyCiphertext);

        Assert.True(Store.InsertLeaseUnderEnabledMount(Active(Id("dev"))));
        var sealedBytes = new byte[] { 7, 7 };
        Store.PutCachedCredential(Id("dev"), "aws", "dev", "ab", sealedBytes);
        sealedBytes[0] = 0;
        Store.ListCachedCredentials("ab", Now)[0].Sealed[1] = 0;
        Assert.Equal(new byte[] { 7, 7 }, Store.ListCachedCredentials("ab", Now)[0].Sealed);
    }

    [Fact]
    public void Lease_config_is_written_only_under_an_existing_mount()
    {
        Assert.False(Store.PutLeaseConfig(new LeaseConfigRecord("aws", TimeSpan.FromHours(1), TimeSpan.FromHours(2))));
        AddMounts("aws");
        Assert.Null(Store.GetLeaseConfig("aws"));
        Assert.True(Store.PutLeaseConfig(new LeaseConfigRecord("aws", TimeSpan.FromHours(1), TimeSpan.FromHours(2))));
        Assert.True(Store.PutLeaseConfig(new LeaseConfigRecord("aws", TimeSpan.FromMinutes(5), TimeSpan.FromHours(3))));
        Assert.Equal(new LeaseConfigRecord("aws", TimeSpan.FromMinutes(5), TimeSpan.FromHours(3)), Store.GetLeaseConfig("aws"));
    }

    // ---- roles ----------------------------------------------------------------------------

    [Fact]
    public void UpdateRole_creates_and_changes_under_an_existing_mount_only()
    {
        Assert.Null(Store.UpdateRole("aws", "dev", _ => new RoleRecord("aws", "dev", "{}", Now)));
        AddMounts("aws", "other");
        Assert.Empty(Store.ListRoles("aws"));

        var created = new RoleRecord("aws", "dev", "{\"v\":1}", Now);
        Assert.Equal(created, Store.UpdateRole("aws", "dev", existing =>
        {
            Assert.Null(existing);
            return created;
        }));
        var changed = Store.UpdateRole("aws", "dev", existing =>
        {
            Assert.Equal(created, existing);
            return existing! with { DefinitionJson = "{\"v\":2}", UpdatedAt = Now.AddMinutes(1) };
        });
        Assert.Equal(changed, Store.GetRole("aws", "dev"));
        Assert.Equal("{\"v\":2}", changed!.DefinitionJson);
        Assert.Null(Store.GetRole("other", "dev"));
        Assert.Null(Store.GetRole("aws", "Dev"));
    }

    [Fact]
    public void Roles_list_by_name_in_ordinal_order_and_delete_once()
    {
        AddMounts("aws", "other");
        foreach (var name in new[] { "dev", "Dev", "dev-x", "dev.x", "dev_x", "a@b", "zz", "\u00e9t\u00e9" })
        {
            Assert.NotNull(Store.UpdateRole("aws", name, _ => new RoleRecord("aws", name, "{}", Now)));
        }

        Assert.NotNull(Store.UpdateRole("other", "other-role", _ => new RoleRecord("other", "other-role", "{}", Now)));
        Assert.Equal(["Dev", "a@b", "dev", "dev-x", "dev.x", "dev_x", "zz", "\u00e9t\u00e9"], Store.ListRoles("aws").Select(r => r.Name));
        Assert.True(Store.DeleteRole("aws", "dev"));
        Assert.False(Store.DeleteRole("aws", "dev"));
        Assert.False(Store.DeleteRole("other", "Dev"));
        Assert.Equal(7, Store.ListRoles("aws").Count);
        Assert.Single(Store.ListRoles("other"));
    }

    // ---- the request lock -------------------------------------------------------------------

    [Fact]
    public async Task The_request_lock_is_exclusive_per_key_until_released()
    {
        var held = await Store.LockRequestAsync("ab01", TimeSpan.FromSeconds(30), null, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<EngineException>(() => Store.LockRequestAsync("ab01", TimeSpan.Zero, null, CancellationToken.None));
        Assert.Equal("RequestLockTimeout", ex.Reason);
        Assert.Equal(ErrorKind.OperationTimeout, ex.Kind);
        using (await Store.LockRequestAsync("ab02", TimeSpan.Zero, null, CancellationToken.None))
        {
        }

        held.Dispose();
        using var again = await Store.LockRequestAsync("ab01", TimeSpan.Zero, null, CancellationToken.None);
    }

    [Fact]
    public async Task A_waiter_is_told_once_and_gets_the_lock_when_it_is_released()
    {
        var held = await Store.LockRequestAsync("cd", TimeSpan.FromSeconds(30), null, CancellationToken.None);
        var told = 0;
        var waiting = new TaskCompletionSource();
        var waiter = Store.LockRequestAsync("cd", TimeSpan.FromMinutes(5), () =>
        {
            Interlocked.Increment(ref told);
            waiting.TrySetResult();
        }, CancellationToken.None);
        await waiting.Task;
        Assert.False(waiter.IsCompleted);
        held.Dispose();
        (await waiter).Dispose();
        Assert.Equal(1, told);
    }

    [Fact]
    public async Task A_waiter_gives_up_after_its_timeout()
    {
        using var held = await Store.LockRequestAsync("ef", TimeSpan.FromSeconds(30), null, CancellationToken.None);
        var told = 0;
        var ex = await Assert.ThrowsAsync<EngineException>(() =>
            Store.LockRequestAsync("ef", TimeSpan.FromSeconds(1), () => Interlocked.Increment(ref told), CancellationToken.None));
        Assert.Equal("RequestLockTimeout", ex.Reason);
        Assert.Equal(1, told);
    }

    [Fact]
    public async Task A_waiter_stops_when_cancelled_and_a_cancelled_request_takes_no_lock()
    {
        using var held = await Store.LockRequestAsync("0a", TimeSpan.FromSeconds(30), null, CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var waiter = Store.LockRequestAsync("0a", TimeSpan.FromMinutes(5), cts.Cancel, cts.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.LockRequestAsync("0b", TimeSpan.FromMinutes(5), null, cts.Token));
        using var free = await Store.LockRequestAsync("0b", TimeSpan.Zero, null, CancellationToken.None);
    }

    [Theory]
    [InlineData("")]
    [InlineData("xyz")]
    [InlineData("../ab")]
    public async Task A_request_key_is_hex_digits(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.LockRequestAsync(key, TimeSpan.Zero, null, CancellationToken.None));
    }

    [Fact]
    public async Task Holders_of_one_key_never_overlap()
    {
        var inside = 0;
        var overlaps = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                using var turn = await Store.LockRequestAsync("beef", TimeSpan.FromMinutes(2), null, CancellationToken.None);
                if (Interlocked.Increment(ref inside) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                await Task.Yield();
                Interlocked.Decrement(ref inside);
            }
        })));
        Assert.Equal(0, overlaps);
    }
}
