using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>Mount TTLs, config/lease, disabling a mount and rotate-root, against an in-process LocalAws.</summary>
public sealed class EngineConfigTests : IAsyncLifetime
{
    private const string ReadOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    private readonly TempStore _temp = new();
    private LocalAwsServer _server = null!;
    private CredsEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalAwsServer.StartAsync(new LocalAwsOptions());
        _engine = new CredsEngine(_temp.StorePath, displayName: "tester");
    }

    public async Task DisposeAsync()
    {
        _engine.Dispose();
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    private void Mount(string path = "aws", TimeSpan? defaultTtl = null, TimeSpan? maxTtl = null)
    {
        _engine.EnableMount("aws", path, null, defaultTtl, maxTtl);
        _engine.SetRootConfig(path, new RootConfigInput
        {
            AccessKey = _server.Options.RootAccessKeyId,
            SecretKey = _server.Options.RootSecretAccessKey,
            IamEndpoint = _server.Endpoint.ToString(),
            StsEndpoint = _server.Endpoint.ToString(),
            MaxRetries = 0,
        });
        _engine.SetRole(path, "dev", new RoleInput { PolicyArns = [ReadOnly] });
    }

    private Task<DynamicAwsCreds.Engine.Issue.IssuedCredential> Issue(string path = "aws", TimeSpan? ttl = null) =>
        _engine.IssueCredentialAsync(path, "dev", ttl, null, CancellationToken.None);

    private int VaultUsers => _server.State.Users.Count(u => u.UserName.StartsWith("vault-", StringComparison.Ordinal));

    [Fact]
    public async Task Lease_config_sets_the_iam_user_lease_and_caps_requests()
    {
        Mount();
        _engine.SetLeaseConfig(null, TimeSpan.FromHours(1), TimeSpan.FromHours(2));
        var plain = await Issue();
        Assert.Equal(TimeSpan.FromHours(1), plain.Lease.ExpireTime - plain.Lease.IssueTime);
        Assert.Equal(TimeSpan.FromHours(2), plain.Lease.MaxExpireTime - plain.Lease.IssueTime);

        var capped = await Issue(ttl: TimeSpan.FromHours(5));
        Assert.Equal(TimeSpan.FromHours(2), capped.Lease.ExpireTime - capped.Lease.IssueTime);
    }

    [Fact]
    public async Task The_mount_default_applies_without_lease_config()
    {
        Mount(defaultTtl: TimeSpan.FromMinutes(90), maxTtl: TimeSpan.FromHours(3));
        var issued = await Issue();
        Assert.Equal(TimeSpan.FromMinutes(90), issued.Lease.ExpireTime - issued.Lease.IssueTime);
        Assert.Equal(TimeSpan.FromHours(3), issued.Lease.MaxExpireTime - issued.Lease.IssueTime);
    }

    [Fact]
    public void Lease_may_not_exceed_lease_max()
    {
        Mount();
        Assert.Equal("InvalidDuration", Assert.Throws<EngineException>(() => _engine.SetLeaseConfig(null, TimeSpan.FromHours(3), TimeSpan.FromHours(2))).Reason);
        Assert.Null(_engine.GetLeaseConfig(null));
    }

    [Fact]
    public void Mounts_may_not_nest()
    {
        Mount("team");
        Assert.Equal("PathInUse", Assert.Throws<EngineException>(() => _engine.EnableMount("aws", "team/aws", null, null, null)).Reason);
        Assert.Equal("PathInUse", Assert.Throws<EngineException>(() => _engine.EnableMount("aws", "team", null, null, null)).Reason);
        _engine.EnableMount("aws", "teamwork", null, null, null);
    }

    [Fact]
    public async Task Disabling_a_mount_revokes_its_leases_then_removes_config_and_roles()
    {
        Mount();
        Mount("other");
        await Task.WhenAll(Issue(), Issue(), Issue(), Issue("other"));
        Assert.Equal(4, VaultUsers);

        var summary = await _engine.DisableMountAsync("aws", 8, force: false, null, CancellationToken.None);
        Assert.Equal(3, summary.Revoked);
        Assert.Equal(1, VaultUsers);
        Assert.Equal("MountNotFound", Assert.Throws<EngineException>(() => _engine.GetRoles("aws")).Reason);
        Assert.Single(_engine.ListLeases("other/"));

        _engine.EnableMount("aws", "aws", null, null, null);
        Assert.Empty(_engine.GetRoles("aws"));
        Assert.Null(_engine.GetRootConfig("aws").AccessKey);
    }

    [Fact]
    public async Task A_mount_whose_leases_cannot_be_revoked_stays_enabled()
    {
        Mount();
        await Issue();
        _server.Options.AddFail(new FaultRule("DeleteUser"));
        var ex = await Assert.ThrowsAsync<EngineException>(() => _engine.DisableMountAsync("aws", 8, force: false, null, CancellationToken.None));
        Assert.Equal("DisableFailed", ex.Reason);
        Assert.Single(_engine.GetRoles("aws"));
        Assert.Single(_engine.ListLeases("aws/"));
    }

    [Fact]
    public async Task Rotate_root_replaces_the_key_the_old_one_stops_working_and_the_new_one_works()
    {
        Mount();
        var oldKey = _server.Options.RootAccessKeyId;
        var rotated = await _engine.RotateRootAsync(null, null, CancellationToken.None);

        Assert.NotEqual(oldKey, rotated.AccessKey);
        Assert.Null(_server.State.FindAccessKey(oldKey));
        var old = new DynamicAwsCreds.Tests.LocalAws.TestSigner(_server.Endpoint, oldKey, _server.Options.RootSecretAccessKey);
        Assert.Equal("InvalidClientTokenId", (await old.StsAsync("GetCallerIdentity")).ErrorCode);

        // The engine now signs with the new key: issuing works.
        var issued = await Issue();
        Assert.StartsWith("vault-", issued.Lease.UserName);
        Assert.DoesNotContain(_server.Options.RootSecretAccessKey, _temp.AllBytesAsLatin1());
    }

    [Fact]
    public async Task Rotate_root_says_so_when_the_user_already_has_two_keys()
    {
        Mount();
        var root = new DynamicAwsCreds.Tests.LocalAws.TestSigner(_server.Endpoint, _server.Options.RootAccessKeyId, _server.Options.RootSecretAccessKey);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await root.IamAsync("CreateAccessKey")).Status);
        var before = _engine.GetRootConfig(null).AccessKey;

        var ex = await Assert.ThrowsAsync<EngineException>(() => _engine.RotateRootAsync(null, null, CancellationToken.None));
        Assert.Equal("RootUserHasTwoKeys", ex.Reason);
        Assert.Equal(before, _engine.GetRootConfig(null).AccessKey);
    }

    [Fact]
    public async Task Rotate_root_refuses_without_explicit_keys()
    {
        _engine.EnableMount("aws", null, null, null, null);
        var ex = await Assert.ThrowsAsync<EngineException>(() => _engine.RotateRootAsync(null, null, CancellationToken.None));
        Assert.Equal("RootConfigNotExplicit", ex.Reason);
    }
}
