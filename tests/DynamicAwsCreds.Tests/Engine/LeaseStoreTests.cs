using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Sqlite;
using Microsoft.Data.Sqlite;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

public class LeaseStoreTests
{
    private static LeaseRecord Lease(string id, string mount = "aws", string role = "dev", LeaseState state = LeaseState.Active)
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return new LeaseRecord(id, mount, role, "iam_user", state, now, now.AddHours(1), now.AddHours(768), null, true, "vault-user", "AKIDEXAMPLE", null,
            state == LeaseState.Pending ? new LeaseOwner("host", 42, now) : null);
    }

    [Fact]
    public void Everything_survives_into_a_new_store_instance()
    {
        using var temp = new TempStore();
        using (var store = SqliteLeaseStore.Open(temp.StorePath))
        {
            Assert.True(store.TryAddMount(new MountRecord("aws", "aws", "d", TimeSpan.FromHours(1), null, DateTimeOffset.UtcNow)));
            store.PutRole(new RoleRecord("aws", "dev", "{}", DateTimeOffset.UtcNow));
            store.PutRootConfig(new RootConfigRecord("aws", "AKIDEXAMPLE", [1, 2, 3], "eu-west-1", null, null, 5, null));
            store.InsertLease(Lease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA"));
        }

        SqliteConnection.ClearAllPools();
        using var reopened = SqliteLeaseStore.Open(temp.StorePath);
        Assert.Equal(TimeSpan.FromHours(1), reopened.GetMount("aws")!.DefaultLeaseTtl);
        Assert.NotNull(reopened.GetRole("aws", "dev"));
        Assert.Equal(new byte[] { 1, 2, 3 }, reopened.GetRootConfig("aws")!.SecretKeyCiphertext);
        Assert.Equal("vault-user", reopened.GetLease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA")!.UserName);
    }

    [Fact]
    public void Adding_a_mount_twice_reports_the_conflict()
    {
        using var temp = new TempStore();
        using var store = SqliteLeaseStore.Open(temp.StorePath);
        var m = new MountRecord("aws", "aws", null, null, null, DateTimeOffset.UtcNow);
        Assert.True(store.TryAddMount(m));
        Assert.False(store.TryAddMount(m));
    }

    [Fact]
    public void Prefix_listing_is_a_path_prefix_and_skips_intents()
    {
        using var temp = new TempStore();
        using var store = SqliteLeaseStore.Open(temp.StorePath);
        store.InsertLease(Lease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA"));
        store.InsertLease(Lease("aws/creds/dev/BBBBBBBBBBBBBBBBBBBBBBBB"));
        store.InsertLease(Lease("aws/creds/developer/CCCCCCCCCCCCCCCCCCCCCCCC", role: "developer"));
        store.InsertLease(Lease("aws/creds/dev/DDDDDDDDDDDDDDDDDDDDDDDD", state: LeaseState.Pending));

        Assert.Equal(2, store.ListLeasesByPrefix("aws/creds/dev/").Count);
        Assert.Equal(3, store.ListLeasesByPrefix("aws/creds/dev").Count);
        Assert.Single(store.ListPendingLeases());
        Assert.Equal(3, store.CountLeases("aws"));
    }

    [Fact]
    public void Activating_an_intent_clears_its_owner()
    {
        using var temp = new TempStore();
        using var store = SqliteLeaseStore.Open(temp.StorePath);
        // An intent activates only under an enabled mount.
        Assert.True(store.TryAddMount(new MountRecord("aws", "aws", null, null, null, DateTimeOffset.UtcNow)));
        store.InsertLease(Lease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA", state: LeaseState.Pending));
        Assert.True(store.ActivateLease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA", "AKIDNEW"));
        var lease = store.GetLease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA")!;
        Assert.Equal(LeaseState.Active, lease.State);
        Assert.Null(lease.Owner);
        Assert.Equal("AKIDNEW", lease.AccessKeyId);
        Assert.False(store.ActivateLease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA", "AKIDOTHER"));
    }

    [Theory]
    [InlineData("x'); DROP TABLE leases; --")]
    [InlineData("%")]
    [InlineData("_")]
    [InlineData("\" OR \"1\"=\"1")]
    public void Hostile_strings_are_stored_inertly(string hostile)
    {
        using var temp = new TempStore();
        using var store = SqliteLeaseStore.Open(temp.StorePath);
        store.InsertLease(Lease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA"));
        store.TryAddMount(new MountRecord("aws", "aws", hostile, null, null, DateTimeOffset.UtcNow));
        store.PutRole(new RoleRecord("aws", hostile, hostile, DateTimeOffset.UtcNow));
        store.InsertLease(Lease(hostile, role: hostile));

        Assert.Equal(hostile, store.GetRole("aws", hostile)!.DefinitionJson);
        Assert.Equal(hostile, store.GetMount("aws")!.Description);
        Assert.Equal(hostile, store.GetLease(hostile)!.Role);
        Assert.NotNull(store.GetLease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA"));
        Assert.Empty(store.ListLeasesByPrefix(hostile + "/"));
    }

    [Fact]
    public void A_damaged_sqlite_file_is_reported_with_its_path_and_left_untouched()
    {
        using var temp = new TempStore();
        SqliteLeaseStore.Open(temp.StorePath).Dispose();
        SqliteConnection.ClearAllPools();
        foreach (var side in Directory.GetFiles(temp.Folder).Where(f => f != temp.StorePath))
        {
            File.Delete(side);
        }

        var bytes = File.ReadAllBytes(temp.StorePath);
        // Keep the header, scramble the pages after it.
        for (var i = 100; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 7);
        }

        File.WriteAllBytes(temp.StorePath, bytes);
        var ex = Assert.Throws<EngineException>(() => SqliteLeaseStore.Open(temp.StorePath));
        Assert.Equal("StoreCorrupt", ex.Reason);
        Assert.Contains(temp.StorePath, ex.Message);
        SqliteConnection.ClearAllPools();
        Assert.Equal(bytes, File.ReadAllBytes(temp.StorePath));
    }

    [Fact]
    public void A_store_path_that_cannot_be_created_is_a_clear_error()
    {
        using var temp = new TempStore();
        Directory.CreateDirectory(temp.Folder);
        var blocker = Path.Combine(temp.Folder, "not-a-folder");
        File.WriteAllText(blocker, "a file where the store folder should be");
        var ex = Assert.Throws<EngineException>(() => SqliteLeaseStore.Open(Path.Combine(blocker, "store.db")));
        Assert.Equal("StoreUnavailable", ex.Reason);
        Assert.Contains(blocker, ex.Message);
    }

    [Fact]
    public void A_file_that_is_not_sqlite_is_reported_and_left_untouched()
    {
        using var temp = new TempStore();
        Directory.CreateDirectory(temp.Folder);
        var junk = "this is not a database, it is somebody's notes"u8.ToArray();
        File.WriteAllBytes(temp.StorePath, junk);
        var ex = Assert.Throws<EngineException>(() => SqliteLeaseStore.Open(temp.StorePath));
        Assert.Equal("StoreCorrupt", ex.Reason);
        Assert.Contains(temp.StorePath, ex.Message);
        Assert.Equal(junk, File.ReadAllBytes(temp.StorePath));
    }

    [Fact]
    public void A_store_from_an_older_module_is_upgraded_in_place_with_its_data()
    {
        using var temp = new TempStore();
        Directory.CreateDirectory(temp.Folder);
        using (var c = new SqliteConnection($"Data Source={temp.StorePath};Pooling=False"))
        {
            c.Open();
            Schema.Migrate(c, temp.StorePath, target: 1);
            using var insert = c.CreateCommand();
            insert.CommandText = "INSERT INTO mounts (path, type, created_at) VALUES ('aws', 'aws', 0);";
            insert.ExecuteNonQuery();
        }

        using var store = SqliteLeaseStore.Open(temp.StorePath);
        Assert.NotNull(store.GetMount("aws"));
        Assert.False(store.HasSealedSecrets());
        using var check = new SqliteConnection($"Data Source={temp.StorePath};Pooling=False");
        check.Open();
        using var version = check.CreateCommand();
        version.CommandText = "PRAGMA user_version;";
        Assert.Equal((long)Schema.CurrentVersion, (long)version.ExecuteScalar()!);
    }

    [Fact]
    public void A_cache_row_from_before_request_keys_survives_the_upgrade_and_matches_no_request()
    {
        using var temp = new TempStore();
        Directory.CreateDirectory(temp.Folder);
        var lease = Lease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA");
        using (var c = new SqliteConnection($"Data Source={temp.StorePath};Pooling=False"))
        {
            c.Open();
            Schema.Migrate(c, temp.StorePath, target: 3);
            using var insert = c.CreateCommand();
            insert.CommandText = """
                INSERT INTO leases (lease_id, mount, role, credential_type, state, issue_time, expire_time, max_expire_time, renewable, user_name, access_key_id)
                VALUES ($id, 'aws', 'dev', 'iam_user', 'Active', $issue, $expire, $expire, 1, 'vault-user', 'AKIDEXAMPLE');
                INSERT INTO credential_cache (lease_id, mount, role, sealed) VALUES ($id, 'aws', 'dev', x'01');
                """;
            insert.Parameters.AddWithValue("$id", lease.LeaseId);
            insert.Parameters.AddWithValue("$issue", lease.IssueTime.ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue("$expire", lease.ExpireTime.ToUnixTimeMilliseconds());
            insert.ExecuteNonQuery();
        }

        using var store = SqliteLeaseStore.Open(temp.StorePath);
        Assert.True(store.HasSealedSecrets());
        Assert.Equal("vault-user", store.GetLease(lease.LeaseId)!.UserName);
        Assert.Empty(store.ListCachedCredentials("abc", lease.IssueTime));
        store.PutCachedCredential(lease.LeaseId, "aws", "dev", "abc", [2]);
        Assert.Equal(new byte[] { 2 }, Assert.Single(store.ListCachedCredentials("abc", lease.IssueTime)).Sealed);
    }

    [Fact]
    public void A_store_from_a_newer_module_is_refused_and_left_untouched()
    {
        using var temp = new TempStore();
        SqliteLeaseStore.Open(temp.StorePath).Dispose();
        using (var c = new SqliteConnection($"Data Source={temp.StorePath};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 999;";
            cmd.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        var before = Directory.GetFiles(temp.Folder).ToDictionary(f => f, File.ReadAllBytes);
        var ex = Assert.Throws<EngineException>(() => SqliteLeaseStore.Open(temp.StorePath));
        Assert.Equal("StoreTooNew", ex.Reason);
        Assert.Contains(temp.StorePath, ex.Message);
        SqliteConnection.ClearAllPools();
        Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllBytes(kv.Key)));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Folder_and_files_are_owner_only_from_the_start()
    {
        using var temp = new TempStore();
        using var store = SqliteLeaseStore.Open(temp.StorePath);
        store.InsertLease(Lease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(temp.Folder));
        Assert.All(Directory.GetFiles(temp.Folder), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
    }

    [Fact]
    public void A_mount_being_disabled_takes_no_new_lease_and_activates_no_intent()
    {
        using var temp = new TempStore();
        using var store = SqliteLeaseStore.Open(temp.StorePath);
        Assert.True(store.TryAddMount(new MountRecord("aws", "aws", null, null, null, DateTimeOffset.UtcNow)));
        Assert.True(store.InsertLeaseUnderEnabledMount(Lease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA", state: LeaseState.Pending)));
        Assert.False(store.InsertLeaseUnderEnabledMount(Lease("other/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA", mount: "other")));

        Assert.True(store.SetMountDisabling("aws", true));
        Assert.False(store.InsertLeaseUnderEnabledMount(Lease("aws/creds/dev/BBBBBBBBBBBBBBBBBBBBBBBB")));
        Assert.False(store.ActivateLease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA", "AKIDNEW"));
        Assert.Equal(LeaseState.Pending, store.GetLease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA")!.State);
        Assert.Null(store.GetLease("aws/creds/dev/BBBBBBBBBBBBBBBBBBBBBBBB"));

        Assert.True(store.SetMountDisabling("aws", false));
        Assert.True(store.ActivateLease("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA", "AKIDNEW"));
    }

    [Fact]
    public void UpdateRootConfig_is_one_transaction_that_a_failing_change_rolls_back()
    {
        using var temp = new TempStore();
        using var store = SqliteLeaseStore.Open(temp.StorePath);
        Assert.True(store.TryAddMount(new MountRecord("aws", "aws", null, null, null, DateTimeOffset.UtcNow)));
        Assert.Throws<InvalidOperationException>(() => store.UpdateRootConfig("aws", _ =>
        {
            store.PutLeaseConfig(new LeaseConfigRecord("aws", TimeSpan.FromHours(1), TimeSpan.FromHours(2)));
            throw new InvalidOperationException("changed my mind");
        }));
        Assert.Null(store.GetLeaseConfig("aws"));
        Assert.Null(store.GetRootConfig("aws"));
    }
}
