using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>Mount TTLs, config/lease, disabling a mount and rotate-root, against an in-process LocalAws.</summary>
public sealed class EngineConfigTests : EngineTestBase
{
    protected override bool MountAws => false;

    private new void Mount(string path = "aws", TimeSpan? defaultTtl = null, TimeSpan? maxTtl = null)
    {
        base.Mount(path, defaultTtl, maxTtl);
        Engine.SetRole(path, "dev", new RoleInput { PolicyArns = [ReadOnly] });
    }

    private Task<DynamicAwsCreds.Engine.Issue.IssuedCredential> Issue(string path = "aws", TimeSpan? ttl = null) =>
        Engine.IssueCredentialAsync(path, "dev", ttl, null, CancellationToken.None);


    [Fact]
    public async Task Lease_config_sets_the_iam_user_lease_and_caps_requests()
    {
        Mount();
        Engine.SetLeaseConfig(null, TimeSpan.FromHours(1), TimeSpan.FromHours(2));
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
        Assert.Equal("InvalidDuration", Assert.Throws<EngineException>(() => Engine.SetLeaseConfig(null, TimeSpan.FromHours(3), TimeSpan.FromHours(2))).Reason);
        Assert.Null(Engine.GetLeaseConfig(null));
    }

    [Fact]
    public void Mounts_may_not_nest()
    {
        Mount("team");
        Assert.Equal("PathInUse", Assert.Throws<EngineException>(() => Engine.EnableMount("aws", "team/aws", null, null, null)).Reason);
        Assert.Equal("PathInUse", Assert.Throws<EngineException>(() => Engine.EnableMount("aws", "team", null, null, null)).Reason);
        Engine.EnableMount("aws", "teamwork", null, null, null);
    }

    [Fact]
    public async Task Disabling_a_mount_revokes_its_leases_then_removes_config_and_roles()
    {
        Mount();
        Mount("other");
        await Task.WhenAll(Issue(), Issue(), Issue(), Issue("other"));
        Assert.Equal(4, VaultUsers.Count());

        var summary = await Engine.DisableMountAsync("aws", 8, force: false, null, CancellationToken.None);
        Assert.Equal(3, summary.Revoked);
        Assert.Single(VaultUsers);
        Assert.Equal("MountNotFound", Assert.Throws<EngineException>(() => Engine.GetRoles("aws")).Reason);
        Assert.Single(Engine.ListLeases("other/"));

        Engine.EnableMount("aws", "aws", null, null, null);
        Assert.Empty(Engine.GetRoles("aws"));
        Assert.Null(Engine.GetRootConfig("aws").AccessKey);
    }

    [Fact]
    public async Task A_mount_whose_leases_cannot_be_revoked_stays_enabled()
    {
        Mount();
        await Issue();
        Server.Options.AddFail(new FaultRule("DeleteUser"));
        var ex = await Assert.ThrowsAsync<EngineException>(() => Engine.DisableMountAsync("aws", 8, force: false, null, CancellationToken.None));
        Assert.Equal("DisableFailed", ex.Reason);
        Assert.Single(Engine.GetRoles("aws"));
        Assert.Single(Engine.ListLeases("aws/"));

        // The summary error names the underlying AWS error, in sentences of their own.
        var lease = Engine.ListLeases("aws/").Single();
        Assert.Contains($"The first, lease {lease.LeaseId}, failed: AWS IAM DeleteUser failed: ", ex.Message);
        Assert.NotNull(ex.AwsCode);
        Assert.Contains(ex.AwsCode!, ex.Message);
        Assert.DoesNotMatch(@"[A-Za-z0-9)] [A-Z][a-z]+ the cause", ex.Message);
        Assert.Contains(". Fix the cause", ex.Message);
        var failed = await Engine.RevokeLeaseAsync(lease.LeaseId, force: false, null, CancellationToken.None);
        Assert.Matches(@"failed: [^.]+\. The lease is kept", failed.Error!.Message);
    }

    [Fact]
    public async Task Rotate_root_replaces_the_key_the_old_one_stops_working_and_the_new_one_works()
    {
        Mount();
        var oldKey = Server.Options.RootAccessKeyId;
        var rotated = await Engine.RotateRootAsync(null, null, CancellationToken.None);

        Assert.NotEqual(oldKey, rotated.AccessKey);
        Assert.Null(Server.State.FindAccessKey(oldKey));
        var old = new DynamicAwsCreds.Tests.Shared.TestSigner(Server.Endpoint, oldKey, Server.Options.RootSecretAccessKey);
        Assert.Equal("InvalidClientTokenId", (await old.StsAsync("GetCallerIdentity")).ErrorCode);

        // The engine now signs with the new key: issuing works.
        var issued = await Issue();
        Assert.StartsWith("vault-", issued.Lease.UserName);
        Assert.DoesNotContain(Server.Options.RootSecretAccessKey, Temp.AllBytesAsLatin1());
    }

    [Fact]
    public async Task Rotate_root_switches_to_the_new_key_only_once_AWS_accepts_it()
    {
        Mount();
        // As AWS: a key just made is refused for a while.
        Server.Options.KeyPropagationMs = 1500;
        var rotated = await Engine.RotateRootAsync(null, null, CancellationToken.None);
        Assert.NotEqual(Server.Options.RootAccessKeyId, rotated.AccessKey);

        // The very next call signs with the new key, and AWS takes it.
        var issued = await Issue();
        Assert.StartsWith("vault-", issued.Lease.UserName);
        Assert.DoesNotContain(Server.State.Requests, r => r.Service == "iam" && r.ErrorCode == "InvalidClientTokenId");
    }

    [Fact]
    public async Task Rotate_root_says_so_when_the_user_already_has_two_keys()
    {
        Mount();
        var root = new DynamicAwsCreds.Tests.Shared.TestSigner(Server.Endpoint, Server.Options.RootAccessKeyId, Server.Options.RootSecretAccessKey);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await root.IamAsync("CreateAccessKey")).Status);
        var before = Engine.GetRootConfig(null).AccessKey;

        var ex = await Assert.ThrowsAsync<EngineException>(() => Engine.RotateRootAsync(null, null, CancellationToken.None));
        Assert.Equal("RootUserHasTwoKeys", ex.Reason);
        Assert.Equal(before, Engine.GetRootConfig(null).AccessKey);
    }

    [Fact]
    public async Task Rotate_root_refuses_without_explicit_keys()
    {
        Engine.EnableMount("aws", null, null, null, null);
        var ex = await Assert.ThrowsAsync<EngineException>(() => Engine.RotateRootAsync(null, null, CancellationToken.None));
        Assert.Equal("RootConfigNotExplicit", ex.Reason);
    }
}
