using System.Net;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Tests.Shared;
using global::LocalAws;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>assumed_role, federation_token and session_token against LocalAws's STS; username templates.</summary>
public sealed class EngineStsTests : EngineTestBase
{
    private Task<IssuedCredential> Issue(string role, TimeSpan? ttl = null, StsOptions? options = null) =>
        Engine.IssueCredentialAsync(null, role, ttl, options ?? new StsOptions(), null, CancellationToken.None);

    private async Task<string> CallerArn(IssuedCredential issued)
    {
        var answer = Ok(await Root.WithSession(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken).StsAsync("GetCallerIdentity"));
        return answer.Value("Arn")!;
    }

    [Fact]
    public async Task Assumed_role_credentials_are_the_role_session_and_not_renewable()
    {
        var arn = await CreateRoleAsync("deploy");
        Engine.SetRole(null, "deploy", new RoleInput { CredentialType = "assumed_role", RoleArns = [arn] });

        var issued = await Issue("deploy");
        Assert.StartsWith("ASIA", issued.AccessKeyId);
        Assert.NotNull(issued.SessionToken);
        Assert.Matches($"^arn:aws:sts::{Account}:assumed-role/deploy/vault-tester-deploy-[0-9]+-[A-Za-z0-9]{{20}}$", await CallerArn(issued));
        Assert.Equal(await CallerArn(issued), issued.Lease.AssumedRoleArn);
        Assert.False(issued.Lease.Renewable);
        Assert.InRange((issued.Lease.ExpireTime - issued.Lease.IssueTime - TimeSpan.FromHours(1)).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(2));
        Assert.Equal("LeaseNotRenewable", (await Assert.ThrowsAsync<EngineException>(() =>
            Engine.RenewLeaseAsync(issued.Lease.LeaseId, null, null, CancellationToken.None))).Reason);

        // Revoking STS credentials is forgetting the lease: no AWS call.
        var before = Server.State.Requests.Count;
        var outcome = await Engine.RevokeLeaseAsync(issued.Lease.LeaseId, false, null, CancellationToken.None);
        Assert.Equal(RevokeStatus.Revoked, outcome.Status);
        Assert.Equal(before, Server.State.Requests.Count);
    }

    [Fact]
    public async Task Role_arn_must_be_chosen_when_the_role_lists_several()
    {
        var a = await CreateRoleAsync("a");
        var b = await CreateRoleAsync("b");
        Engine.SetRole(null, "multi", new RoleInput { CredentialType = "assumed_role", RoleArns = [a, b] });

        Assert.Equal("RoleArnRequired", (await Assert.ThrowsAsync<EngineException>(() => Issue("multi"))).Reason);
        Assert.Equal("RoleArnNotAllowed", (await Assert.ThrowsAsync<EngineException>(() =>
            Issue("multi", options: new StsOptions(RoleArn: $"arn:aws:iam::{Account}:role/c")))).Reason);
        var issued = await Issue("multi", options: new StsOptions(RoleArn: b, RoleSessionName: "my-session"));
        Assert.Equal($"arn:aws:sts::{Account}:assumed-role/b/my-session", await CallerArn(issued));
    }

    [Fact]
    public async Task External_id_session_tags_and_session_policy_are_passed_to_AssumeRole()
    {
        var arn = await CreateRoleAsync("partner", externalId: "ext-123", tagSession: true);
        Engine.SetRole(null, "partner", new RoleInput
        {
            CredentialType = "assumed_role", RoleArns = [arn], ExternalId = "ext-123",
            SessionTags = new Dictionary<string, string> { ["team"] = "blue" },
            PolicyDocument = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:List*\",\"Resource\":\"*\"}]}",
            PolicyArns = ["arn:aws:iam::aws:policy/IAMReadOnlyAccess"],
        });

        var issued = await Issue("partner", TimeSpan.FromMinutes(90));
        var session = Server.State.FindSession(issued.AccessKeyId)!;
        Assert.Contains(new KeyValuePair<string, string>("team", "blue"), session.Tags);
        Assert.Contains("iam:List*", session.SessionPolicy);
        Assert.Equal(["arn:aws:iam::aws:policy/IAMReadOnlyAccess"], session.SessionPolicyArns);
        Assert.InRange((issued.Lease.ExpireTime - issued.Lease.IssueTime - TimeSpan.FromMinutes(90)).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(2));

        Engine.SetRole(null, "partner", new RoleInput { ExternalId = string.Empty });
        var denied = await Assert.ThrowsAsync<EngineException>(() => Issue("partner"));
        Assert.Equal("AwsAccessDenied", denied.Reason);
        Assert.Single(Engine.ListLeases("aws/creds/partner"));
    }

    [Fact]
    public async Task Federation_tokens_are_named_within_32_and_carry_the_groups_policies()
    {
        Ok(await Root.IamAsync("CreateGroup", ("GroupName", "readers")));
        Ok(await Root.IamAsync("AttachGroupPolicy", ("GroupName", "readers"), ("PolicyArn", ReadOnly)));
        Ok(await Root.IamAsync("PutGroupPolicy", ("GroupName", "readers"), ("PolicyName", "extra"),
            ("PolicyDocument", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}")));
        Engine.SetRole(null, "fed", new RoleInput
        {
            CredentialType = "federation_token", IamGroups = ["readers"],
            PolicyDocument = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:GetUser\",\"Resource\":\"*\"}]}",
        });

        var issued = await Issue("fed");
        var arn = await CallerArn(issued);
        Assert.Matches($"^arn:aws:sts::{Account}:federated-user/vault-[0-9]+-[A-Za-z0-9]+$", arn);
        Assert.True(arn.Split('/')[^1].Length <= 32);
        var session = Server.State.FindSession(issued.AccessKeyId)!;
        Assert.Contains("s3:GetObject", session.SessionPolicy);
        Assert.Contains("iam:GetUser", session.SessionPolicy);
        Assert.Contains(ReadOnly, session.SessionPolicyArns);
    }

    [Fact]
    public async Task A_federation_role_without_any_policy_is_refused_before_calling_aws()
    {
        Engine.SetRole(null, "bare", new RoleInput { CredentialType = "federation_token" });
        Assert.Equal("FederationTokenNeedsPolicy", (await Assert.ThrowsAsync<EngineException>(() => Issue("bare"))).Reason);
        Assert.Equal(0, Server.State.CountRequests("GetFederationToken"));
    }

    [Fact]
    public async Task Session_tokens_are_the_calling_user_and_honour_mfa()
    {
        Engine.SetRole(null, "session", new RoleInput { CredentialType = "session_token" });
        var issued = await Issue("session");
        Assert.Equal($"arn:aws:iam::{Account}:user/{IamState.RootUserName}", await CallerArn(issued));

        var device = Ok(await Root.IamAsync("CreateVirtualMFADevice", ("VirtualMFADeviceName", "root-mfa")));
        var serial = device.Value("SerialNumber")!;
        Ok(await Root.IamAsync("EnableMFADevice", ("UserName", IamState.RootUserName), ("SerialNumber", serial),
            ("AuthenticationCode1", "123456"), ("AuthenticationCode2", "654321")));
        Engine.SetRole(null, "session", new RoleInput { MfaSerialNumber = serial });

        Assert.Equal("MfaCodeRequired", (await Assert.ThrowsAsync<EngineException>(() => Issue("session"))).Reason);
        var withMfa = await Issue("session", options: new StsOptions(MfaCode: "123456"));
        Assert.True(Server.State.FindSession(withMfa.AccessKeyId)!.MfaAuthenticated);
    }

    [Fact]
    public async Task Sts_ttl_follows_vaults_rules_and_awss_limits()
    {
        var arn = await CreateRoleAsync("ttl");
        Engine.SetRole(null, "ttl", new RoleInput
        {
            CredentialType = "assumed_role", RoleArns = [arn], DefaultStsTtl = TimeSpan.FromMinutes(30), MaxStsTtl = TimeSpan.FromMinutes(90),
        });
        var byDefault = await Issue("ttl");
        Assert.InRange((byDefault.Lease.ExpireTime - byDefault.Lease.IssueTime - TimeSpan.FromMinutes(30)).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(2));
        var capped = await Issue("ttl", TimeSpan.FromHours(3));
        Assert.InRange((capped.Lease.ExpireTime - capped.Lease.IssueTime - TimeSpan.FromMinutes(90)).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(2));

        Assert.Equal(TimeSpan.FromMinutes(30), byDefault.LeaseDuration);
        Assert.Equal(TimeSpan.FromMinutes(90), capped.LeaseDuration);

        var tooShort = await Assert.ThrowsAsync<EngineException>(() => Issue("ttl", TimeSpan.FromMinutes(10)));
        Assert.Equal("InvalidDuration", tooShort.Reason);
        Assert.Equal(2, Server.State.CountRequests("AssumeRole"));
    }

    [Fact]
    public async Task Federation_and_session_tokens_last_up_to_awss_36_hours()
    {
        Engine.SetRole(null, "fed36", new RoleInput { CredentialType = "federation_token", PolicyArns = [ReadOnly], MaxStsTtl = TimeSpan.FromHours(36) });
        Engine.SetRole(null, "tok36", new RoleInput { CredentialType = "session_token", MaxStsTtl = TimeSpan.FromHours(36) });
        foreach (var role in new[] { "fed36", "tok36" })
        {
            var issued = await Issue(role, TimeSpan.FromHours(36));
            Assert.InRange((issued.Lease.ExpireTime - issued.Lease.IssueTime - TimeSpan.FromHours(36)).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(2));
        }
    }

    // The role's MaxSessionDuration is known only to AWS: the module's pre-check lets 3h through (AssumeRole takes
    // up to 12h) and AWS's own ValidationError comes back as InvalidDuration with AWS's code and message.
    [Fact]
    public async Task An_assume_role_duration_over_the_roles_max_session_duration_is_awss_refusal_passed_on()
    {
        var arn = await CreateRoleAsync("short");
        Engine.SetRole(null, "short", new RoleInput { CredentialType = "assumed_role", RoleArns = [arn] });
        var error = await Assert.ThrowsAsync<EngineException>(() => Issue("short", TimeSpan.FromHours(3)));
        Assert.Equal("InvalidDuration", error.Reason);
        Assert.Equal("ValidationError", error.AwsCode);
        Assert.Equal(TimeSpan.FromHours(3), error.Target);
        Assert.Contains("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", error.Message, StringComparison.Ordinal);
        Assert.Contains("raise the IAM role's MaxSessionDuration", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, Server.State.CountRequests("AssumeRole"));
        Assert.Empty(Engine.ListLeases(null));
    }

    [Fact]
    public async Task An_sts_lease_lasts_what_aws_granted_even_when_awss_clock_runs_ahead()
    {
        var arn = await CreateRoleAsync("granted");
        Engine.SetRole(null, "granted", new RoleInput { CredentialType = "assumed_role", RoleArns = [arn] });
        Server.Options.ClockOffset = TimeSpan.FromSeconds(1.5);

        var issued = await Issue("granted", TimeSpan.FromMinutes(20));

        Assert.Equal(TimeSpan.FromMinutes(20), issued.LeaseDuration);
        var granted = Server.State.FindSession(issued.AccessKeyId)!.Expiration;
        Assert.Equal(granted.AddTicks(-(granted.Ticks % TimeSpan.TicksPerSecond)), issued.Lease.ExpireTime.UtcDateTime);
    }

    [Fact]
    public async Task UsernameTemplates_shape_iam_users_and_vaults_default_is_accepted_verbatim()
    {
        Engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });
        Engine.SetRootConfig(null, new RootConfigInput { UsernameTemplate = "{{ printf \"vault-custom-%s-%s\" .PolicyName (random 8) | truncate 64 }}" });
        var custom = await Issue("dev");
        Assert.Matches("^vault-custom-dev-[A-Za-z0-9]{8}$", custom.Lease.UserName);

        Engine.SetRootConfig(null, new RootConfigInput { UsernameTemplate = DynamicAwsCreds.Engine.Config.Templates.VaultTemplates.AwsDefault });
        var vaults = await Issue("dev");
        Assert.Matches("^vault-tester-dev-[0-9]+-[A-Za-z0-9]{20}$", vaults.Lease.UserName);

        var tooLong = Assert.Throws<EngineException>(() => Engine.SetRootConfig(null, new RootConfigInput { UsernameTemplate = "vault-{{ random 70 }}" }));
        Assert.Equal("InvalidUsernameTemplate", tooLong.Reason);
        var broken = Assert.Throws<EngineException>(() => Engine.SetRootConfig(null, new RootConfigInput { UsernameTemplate = "{{ nosuchfunc }}" }));
        Assert.Equal("InvalidUsernameTemplate", broken.Reason);
        Assert.Equal(DynamicAwsCreds.Engine.Config.Templates.VaultTemplates.AwsDefault, Engine.GetRootConfig(null).UsernameTemplate);

        // A template fit for IAM users but too long for a federated user's 32 is refused when it is used, before AWS is called.
        Engine.SetRootConfig(null, new RootConfigInput { UsernameTemplate = "{{ printf \"vault-custom-%s-%s\" .PolicyName (random 30) | truncate 64 }}" });
        Engine.SetRole(null, "fed", new RoleInput { CredentialType = "federation_token", PolicyArns = [ReadOnly] });
        Assert.Equal("InvalidUsernameTemplate", (await Assert.ThrowsAsync<EngineException>(() => Issue("fed"))).Reason);
        Assert.Equal(0, Server.State.CountRequests("GetFederationToken"));

        Engine.SetRootConfig(null, new RootConfigInput { UsernameTemplate = string.Empty });
        Assert.Null(Engine.GetRootConfig(null).UsernameTemplate);
    }
}
