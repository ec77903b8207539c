using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Shared;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>
/// Whenever the store forgets a cached lease (a revoke of one, a prefix revoke, the expiry sweep, a role changed or
/// removed, a mount disabled or its root config changed), its credential_process cache file goes too, and only its.
/// </summary>
public sealed class CredentialProcessFileInvalidationTests : EngineTestBase
{
    protected override void Configure() => CacheFileChecks.AddRoles(Engine);

    private Task<IssuedCredential> Cached(string role = "dev", string? mount = null) =>
        Engine.GetOrIssueCachedCredentialAsync(mount, role, null, new StsOptions(), null, CancellationToken.None);

    private bool HasEntry(string role, string mount = "aws") => File.Exists(CacheFileChecks.EntryPath(Temp.StorePath, mount, role));

    /// <summary>Entries for "dev" and "ops", and the dev lease.</summary>
    private async Task<IssuedCredential> CacheBothAsync()
    {
        var dev = await Cached();
        await Cached("ops");
        Assert.True(HasEntry("dev") && HasEntry("ops"));
        return dev;
    }

    [Fact]
    public async Task Revoking_one_lease_deletes_its_entry_only()
    {
        var dev = await CacheBothAsync();
        Assert.Equal(RevokeStatus.Revoked, (await Engine.RevokeLeaseAsync(dev.Lease.LeaseId, force: false, null, CancellationToken.None)).Status);
        Assert.False(HasEntry("dev"));
        Assert.True(HasEntry("ops"));
    }

    [Fact]
    public async Task A_revoke_that_fails_in_AWS_still_deletes_the_entry()
    {
        var dev = await CacheBothAsync();
        Server.Options.AddFail(new global::LocalAws.FaultRule("DeleteUser"));
        Assert.Equal(RevokeStatus.Failed, (await Engine.RevokeLeaseAsync(dev.Lease.LeaseId, force: false, null, CancellationToken.None)).Status);
        Server.Options.ClearFaults();
        Assert.False(HasEntry("dev"));
        Assert.True(HasEntry("ops"));
    }

    [Fact]
    public async Task A_prefix_revoke_deletes_the_entries_of_its_leases_only()
    {
        await CacheBothAsync();
        var leases = Engine.ResolveRevokePrefix("aws/creds/dev");
        Assert.Equal(1, (await Engine.RevokeLeasesAsync(leases, 4, force: false, null, CancellationToken.None)).Revoked);
        Assert.False(HasEntry("dev"));
        Assert.True(HasEntry("ops"));
    }

    [Fact]
    public async Task The_expiry_sweep_deletes_the_entries_of_expired_leases_only()
    {
        var dev = await Cached();
        Now = dev.Lease.ExpireTime + TimeSpan.FromMinutes(1);
        await Cached("ops");
        var expired = Assert.Single(Engine.ListExpiredLeases(null));
        Assert.Equal(dev.Lease.LeaseId, expired.LeaseId);
        Assert.True(HasEntry("dev"));

        Assert.Equal(1, (await Engine.RevokeLeasesAsync([expired], 4, force: false, null, CancellationToken.None)).Revoked);
        Assert.False(HasEntry("dev"));
        Assert.True(HasEntry("ops"));
    }

    [Fact]
    public async Task Changing_or_removing_a_role_deletes_that_role_s_entry_only()
    {
        await CacheBothAsync();
        Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });
        Assert.False(HasEntry("dev"));
        Assert.True(HasEntry("ops"));

        await Cached();
        Engine.RemoveRole(null, "dev");
        Assert.False(HasEntry("dev"));
        Assert.True(HasEntry("ops"));
    }

    [Fact]
    public async Task Disabling_a_mount_or_changing_its_root_config_deletes_that_mount_s_entries_only()
    {
        Mount("other");
        Engine.SetRole("other", "dev", new RoleInput { PolicyArns = [ReadOnly] });
        await Cached(mount: "other");

        await CacheBothAsync();
        Engine.SetRootConfig(null, new RootConfigInput { MaxRetries = 0 });
        Assert.False(HasEntry("dev") || HasEntry("ops"));
        Assert.True(HasEntry("dev", "other"));

        await CacheBothAsync();
        await Engine.RotateRootAsync(null, null, CancellationToken.None);
        Assert.False(HasEntry("dev") || HasEntry("ops"));
        Assert.True(HasEntry("dev", "other"));

        await CacheBothAsync();
        await Engine.DisableMountAsync("aws", 4, force: false, null, CancellationToken.None);
        Assert.False(HasEntry("dev") || HasEntry("ops"));
        Assert.True(HasEntry("dev", "other"));
    }

    [Fact]
    public async Task Files_that_are_not_entries_are_passed_over_and_fail_nothing()
    {
        var dev = await CacheBothAsync();
        var folder = CredentialProcessCache.CacheFolder(Temp.StorePath);
        File.WriteAllText(Path.Combine(folder, "junk.entry"), "{\"Format\":1,");
        File.CreateSymbolicLink(Path.Combine(folder, "link.entry"), CacheFileChecks.EntryPath(Temp.StorePath, "aws", "ops"));
        if (!OperatingSystem.IsWindows())
        {
            // Read, a pipe would block until someone writes to it.
            using var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(folder, "pipe.entry"));
            await mkfifo.WaitForExitAsync();
        }

        Assert.Equal(RevokeStatus.Revoked, (await Engine.RevokeLeaseAsync(dev.Lease.LeaseId, force: false, null, CancellationToken.None)).Status);
        Assert.False(HasEntry("dev"));
        Assert.True(HasEntry("ops"));
        Assert.Equal(OperatingSystem.IsWindows() ? 3 : 4, Directory.GetFileSystemEntries(folder).Length);

        // An entry's name taken by a folder, which cannot be deleted as a file: the role changes all the same.
        var path = CacheFileChecks.EntryPath(Temp.StorePath, "aws", "dev");
        Directory.CreateDirectory(path);
        Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });
        Assert.True(Directory.Exists(path));
    }
}
