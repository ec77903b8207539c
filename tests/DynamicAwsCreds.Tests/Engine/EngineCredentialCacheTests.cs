using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Sqlite;
using global::LocalAws;
using Microsoft.Data.Sqlite;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>The credential_process cache (Export-AwsCredential -Cache): keying, reuse margin, the request lock, invalidation.</summary>
public sealed class EngineCredentialCacheTests : EngineTestBase
{
    protected override void Configure()
    {
        Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });
        Engine.SetRole(null, "ops", new RoleInput { PolicyArns = [ReadOnly] });
    }

    private Task<IssuedCredential> Cached(string role = "dev", TimeSpan? ttl = null, StsOptions? sts = null, CredsEngine? engine = null, CancellationToken ct = default) =>
        (engine ?? Engine).GetOrIssueCachedCredentialAsync(null, role, ttl, sts ?? new StsOptions(), null, ct);

    /// <summary>The cache rows of a lease, read past the engine.</summary>
    private long CacheRows(string leaseId) => (long)StoreSql("SELECT COUNT(*) FROM credential_cache WHERE lease_id = $id;", leaseId)!;

    /// <summary>Runs SQL on the store past the engine, with $id bound to <paramref name="id"/>.</summary>
    private object? StoreSql(string sql, string? id = null)
    {
        using var c = new SqliteConnection($"Data Source={Temp.StorePath};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$id", (object?)id ?? DBNull.Value);
        return cmd.ExecuteScalar();
    }

    // ---- keying ---------------------------------------------------------------------------

    [Fact]
    public async Task The_same_request_reuses_one_lease_and_another_role_or_ttl_gets_its_own()
    {
        var first = await Cached();
        var again = await Cached();
        Assert.Equal(first.Lease.LeaseId, again.Lease.LeaseId);
        Assert.Equal(first.SecretAccessKey, again.SecretAccessKey);

        var twoHours = await Cached(ttl: TimeSpan.FromHours(2));
        Assert.NotEqual(first.Lease.LeaseId, twoHours.Lease.LeaseId);
        Assert.Equal(TimeSpan.FromHours(2), twoHours.Lease.ExpireTime - twoHours.Lease.IssueTime);
        Assert.Equal(twoHours.Lease.LeaseId, (await Cached(ttl: TimeSpan.FromHours(2))).Lease.LeaseId);

        var ops = await Cached("ops");
        Assert.Equal("ops", ops.Lease.Role);
        Assert.Equal(3, VaultUsers.Count());
    }

    [Fact]
    public async Task Each_role_arn_and_session_name_gets_its_own_cached_lease()
    {
        var a = await CreateRoleAsync("a");
        var b = await CreateRoleAsync("b");
        Engine.SetRole(null, "deploy", new RoleInput { CredentialType = "assumed_role", RoleArns = [a, b] });

        var asA = await Cached("deploy", sts: new StsOptions(RoleArn: a));
        Assert.Equal(asA.Lease.LeaseId, (await Cached("deploy", sts: new StsOptions(RoleArn: a))).Lease.LeaseId);

        var asB = await Cached("deploy", sts: new StsOptions(RoleArn: b));
        Assert.NotEqual(asA.Lease.LeaseId, asB.Lease.LeaseId);
        Assert.Contains(":assumed-role/b/", asB.Lease.AssumedRoleArn);

        var named = await Cached("deploy", sts: new StsOptions(RoleArn: a, RoleSessionName: "alice"));
        Assert.NotEqual(asA.Lease.LeaseId, named.Lease.LeaseId);
        Assert.EndsWith("/alice", named.Lease.AssumedRoleArn);
        Assert.Equal(named.Lease.LeaseId, (await Cached("deploy", sts: new StsOptions(RoleArn: a, RoleSessionName: "alice"))).Lease.LeaseId);
    }

    [Fact]
    public void Every_part_of_the_request_changes_its_key_and_nothing_else_does()
    {
        var now = DateTimeOffset.UnixEpoch;
        var role = RoleRules.Apply("aws", "dev", null, new RoleInput { CredentialType = "assumed_role", RoleArns = ["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b"] }, now);
        var key = CredentialCache.RequestKey("aws", role, TimeSpan.FromHours(1), new StsOptions("arn:aws:iam::123456789012:role/a", "s"));

        string[] others =
        [
            CredentialCache.RequestKey("other", role, TimeSpan.FromHours(1), new StsOptions("arn:aws:iam::123456789012:role/a", "s")),
            CredentialCache.RequestKey("aws", role with { Name = "ops" }, TimeSpan.FromHours(1), new StsOptions("arn:aws:iam::123456789012:role/a", "s")),
            CredentialCache.RequestKey("aws", role with { CredentialType = "federation_token" }, TimeSpan.FromHours(1), new StsOptions("arn:aws:iam::123456789012:role/a", "s")),
            CredentialCache.RequestKey("aws", role with { PolicyArns = [ReadOnly] }, TimeSpan.FromHours(1), new StsOptions("arn:aws:iam::123456789012:role/a", "s")),
            CredentialCache.RequestKey("aws", role, TimeSpan.FromHours(2), new StsOptions("arn:aws:iam::123456789012:role/a", "s")),
            CredentialCache.RequestKey("aws", role, null, new StsOptions("arn:aws:iam::123456789012:role/a", "s")),
            CredentialCache.RequestKey("aws", role, TimeSpan.FromHours(1), new StsOptions("arn:aws:iam::123456789012:role/b", "s")),
            CredentialCache.RequestKey("aws", role, TimeSpan.FromHours(1), new StsOptions(null, "s")),
            CredentialCache.RequestKey("aws", role, TimeSpan.FromHours(1), new StsOptions("arn:aws:iam::123456789012:role/a", "t")),
            CredentialCache.RequestKey("aws", role, TimeSpan.FromHours(1), new StsOptions("arn:aws:iam::123456789012:role/a", null)),
        ];

        Assert.Equal(others.Length + 1, others.Append(key).Distinct().Count());
        Assert.Matches("^[0-9a-f]{64}$", key);
        // The same request, a later edit time and a fresh MFA code are the same key.
        Assert.Equal(key, CredentialCache.RequestKey("aws", role with { UpdatedAt = now.AddDays(1) }, TimeSpan.FromHours(1), new StsOptions("arn:aws:iam::123456789012:role/a", "s", "123456")));
        Assert.Equal(CredentialCache.RequestKey("aws", role, null, new StsOptions()), CredentialCache.RequestKey("aws", role, TimeSpan.Zero, new StsOptions()));
    }

    [Fact]
    public async Task A_cache_row_written_before_request_keys_never_matches()
    {
        var old = await Cached();
        StoreSql("UPDATE credential_cache SET request_key = NULL WHERE lease_id = $id;", old.Lease.LeaseId);
        Assert.Equal(1L, StoreSql("SELECT COUNT(*) FROM credential_cache WHERE request_key IS NULL;"));

        var fresh = await Cached();
        Assert.NotEqual(old.Lease.LeaseId, fresh.Lease.LeaseId);
        Assert.Equal(fresh.Lease.LeaseId, (await Cached()).Lease.LeaseId);
    }

    // ---- reuse margin -----------------------------------------------------------------------

    [Fact]
    public async Task A_lease_shorter_than_the_margin_is_reused_for_the_first_half_of_its_life()
    {
        var ttl = TimeSpan.FromMinutes(10);
        var first = await Cached(ttl: ttl);
        Now += TimeSpan.FromMinutes(4);
        Assert.Equal(first.Lease.LeaseId, (await Cached(ttl: ttl)).Lease.LeaseId);
        Now += TimeSpan.FromMinutes(1) - TimeSpan.FromMilliseconds(1);
        Assert.Equal(first.Lease.LeaseId, (await Cached(ttl: ttl)).Lease.LeaseId);

        // Half the lease (5 minutes) or less remains: time for a new one.
        Now += TimeSpan.FromMilliseconds(1);
        var second = await Cached(ttl: ttl);
        Assert.NotEqual(first.Lease.LeaseId, second.Lease.LeaseId);
        Assert.Equal(second.Lease.LeaseId, (await Cached(ttl: ttl)).Lease.LeaseId);
        Assert.Equal(2, VaultUsers.Count());
    }

    [Fact]
    public async Task A_long_lease_is_reused_until_15_minutes_remain()
    {
        var ttl = TimeSpan.FromHours(1);
        var first = await Cached(ttl: ttl);
        Now += TimeSpan.FromMinutes(45) - TimeSpan.FromMilliseconds(1);
        Assert.Equal(first.Lease.LeaseId, (await Cached(ttl: ttl)).Lease.LeaseId);
        Now += TimeSpan.FromMilliseconds(1);
        Assert.NotEqual(first.Lease.LeaseId, (await Cached(ttl: ttl)).Lease.LeaseId);
    }

    [Fact]
    public void The_margin_follows_a_renewed_lease_s_current_term()
    {
        var issued = DateTimeOffset.UnixEpoch;
        var lease = new LeaseRecord("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA", "aws", "dev", "iam_user", LeaseState.Active,
            issued, issued.AddMinutes(10), issued.AddHours(1), null, true, "vault-x", "AKIDEXAMPLE", null, null);
        Assert.True(CredentialCache.IsReusable(lease, issued.AddMinutes(4)));
        Assert.False(CredentialCache.IsReusable(lease, issued.AddMinutes(5)));

        var renewed = lease with { LastRenewalTime = issued.AddMinutes(9), ExpireTime = issued.AddMinutes(13) };
        Assert.True(CredentialCache.IsReusable(renewed, issued.AddMinutes(10)));
        Assert.False(CredentialCache.IsReusable(renewed, issued.AddMinutes(11)));
    }

    // ---- the request lock ---------------------------------------------------------------------

    [Fact]
    public async Task Twenty_concurrent_misses_for_one_request_make_one_user()
    {
        // A slow CreateUser keeps the first issuer busy while the others arrive.
        Server.Options.SetDelay("CreateUser", 300);
        var engines = Enumerable.Range(0, 20).Select(_ => new CredsEngine(Temp.StorePath, displayName: "tester", clock: () => Now)).ToList();
        try
        {
            var results = await Task.WhenAll(engines.Select(e => Task.Run(() => Cached(engine: e))));

            var user = Assert.Single(VaultUsers);
            Assert.Single(results.Select(r => r.Lease.LeaseId).Distinct());
            Assert.All(results, r => Assert.Equal(Assert.Single(user.AccessKeys).AccessKeyId, r.AccessKeyId));
            Assert.Single(Engine.ListLeases(null));
        }
        finally
        {
            engines.ForEach(e => e.Dispose());
        }
    }

    [Fact]
    public async Task A_request_waits_for_the_lock_then_gives_up_or_is_cancelled_having_issued_nothing()
    {
        var key = CredentialCache.RequestKey("aws", Engine.GetRole(null, "dev"), null, new StsOptions());
        var held = await RequestLock.AcquireAsync(Temp.StorePath, key, TimeSpan.Zero, null, CancellationToken.None);
        var lockFile = RequestLock.PathFor(Temp.StorePath, key);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(lockFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(lockFile)!));
        }

        Engine.CacheLockTimeout = TimeSpan.FromMilliseconds(100);
        var ex = await Assert.ThrowsAsync<EngineException>(() => Cached());
        Assert.Equal("RequestLockTimeout", ex.Reason);
        Assert.Equal(ErrorKind.OperationTimeout, ex.Kind);

        Engine.CacheLockTimeout = TimeSpan.FromHours(1);
        using var cts = new CancellationTokenSource();
        var waiting = Cached(ct: cts.Token);
        Assert.False(waiting.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Empty(VaultUsers);
        Assert.Empty(Engine.ListLeases(null));

        held.Dispose();
        await Cached();
        Assert.Single(VaultUsers);
        Assert.True(File.Exists(lockFile));
    }

    [Fact]
    public async Task Bad_input_is_refused_before_any_lock_file_or_lease_is_made()
    {
        var ex = await Assert.ThrowsAsync<EngineException>(() => Cached(sts: new StsOptions(RoleArn: "arn:aws:iam::123456789012:role/x")));
        Assert.Equal("InvalidRoleParameter", ex.Reason);
        Assert.Equal("InvalidDuration", (await Assert.ThrowsAsync<EngineException>(() => Cached(ttl: TimeSpan.FromSeconds(-1)))).Reason);
        Assert.False(Directory.Exists(Path.Combine(Temp.Folder, "locks")));
        Assert.Empty(Engine.ListLeases(null));
    }

    // ---- invalidation -------------------------------------------------------------------------

    [Fact]
    public async Task Set_AwsRole_drops_that_role_s_cached_credentials_only()
    {
        var dev = await Cached();
        var ops = await Cached("ops");

        // The same definition again: still a change the cache must not outlive.
        Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });
        Assert.Equal(0, CacheRows(dev.Lease.LeaseId));
        Assert.NotEqual(dev.Lease.LeaseId, (await Cached()).Lease.LeaseId);
        Assert.Equal(ops.Lease.LeaseId, (await Cached("ops")).Lease.LeaseId);
    }

    [Fact]
    public async Task Remove_AwsRole_drops_the_role_s_cached_credentials_and_keeps_its_leases()
    {
        var dev = await Cached();
        Engine.RemoveRole(null, "dev");
        Assert.Equal(0, CacheRows(dev.Lease.LeaseId));
        Assert.Equal(LeaseState.Active, Engine.GetLease(dev.Lease.LeaseId).State);

        Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });
        Assert.NotEqual(dev.Lease.LeaseId, (await Cached()).Lease.LeaseId);
    }

    [Fact]
    public async Task A_revoked_lease_takes_its_cache_row_with_it()
    {
        var dev = await Cached();
        Assert.Equal(1, CacheRows(dev.Lease.LeaseId));
        Assert.Equal(RevokeStatus.Revoked, (await Engine.RevokeLeaseAsync(dev.Lease.LeaseId, force: false, null, CancellationToken.None)).Status);
        Assert.Equal(0, CacheRows(dev.Lease.LeaseId));

        // The foreign key cascades for every path that deletes a lease row, not only the engine's revoke.
        var again = await Cached();
        using (var store = SqliteLeaseStore.Open(Temp.StorePath))
        {
            Assert.True(store.DeleteLease(again.Lease.LeaseId));
        }

        Assert.Equal(0, CacheRows(again.Lease.LeaseId));
    }

    [Fact]
    public async Task A_lease_whose_revoke_failed_is_not_handed_out_again()
    {
        var dev = await Cached();
        Server.Options.AddFail(new FaultRule("DeleteUser"));
        Assert.Equal(RevokeStatus.Failed, (await Engine.RevokeLeaseAsync(dev.Lease.LeaseId, force: false, null, CancellationToken.None)).Status);
        Server.Options.ClearFaults();

        Assert.Equal(LeaseState.Active, Engine.GetLease(dev.Lease.LeaseId).State);
        Assert.NotEqual(dev.Lease.LeaseId, (await Cached()).Lease.LeaseId);
    }

    [Fact]
    public async Task Disable_SecretsEngine_drops_the_mount_s_cache_even_when_a_revoke_fails()
    {
        var dev = await Cached();
        Server.Options.AddFail(new FaultRule("DeleteUser"));
        var ex = await Assert.ThrowsAsync<EngineException>(() => Engine.DisableMountAsync("aws", 4, force: false, null, CancellationToken.None));
        Assert.Equal("DisableFailed", ex.Reason);
        Server.Options.ClearFaults();

        Assert.Equal(0, CacheRows(dev.Lease.LeaseId));
        Assert.NotEqual(dev.Lease.LeaseId, (await Cached()).Lease.LeaseId);
    }

    [Fact]
    public async Task Rotating_or_setting_the_root_config_drops_the_mount_s_cache()
    {
        var first = await Cached();
        await Engine.RotateRootAsync(null, null, CancellationToken.None);
        Assert.Equal(0, CacheRows(first.Lease.LeaseId));
        var second = await Cached();
        Assert.NotEqual(first.Lease.LeaseId, second.Lease.LeaseId);

        Engine.SetRootConfig(null, new RootConfigInput { MaxRetries = 0 });
        Assert.NotEqual(second.Lease.LeaseId, (await Cached()).Lease.LeaseId);
    }
}
