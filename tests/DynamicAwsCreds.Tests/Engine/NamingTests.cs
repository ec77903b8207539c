using System.Text.RegularExpressions;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

public class NamingTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_764_000_000);

    [Fact]
    public void Default_username_has_vaults_shape()
    {
        var name = StsNames.GenerateUserName(null, "alice", IamRole("developer-access"), Now);
        Assert.Matches(new Regex("^vault-alice-developer-access-1764000000-[A-Za-z0-9]{20}$"), name);
    }

    [Fact]
    public void Long_names_are_cut_to_42_then_64_and_still_start_with_vault()
    {
        var name = StsNames.GenerateUserName(null, new string('d', 50), IamRole(new string('r', 60)), Now);
        Assert.Equal(64, name.Length);
        Assert.StartsWith("vault-" + new string('d', 42) + "-1764000000-", name);
    }

    [Fact]
    public void Default_federated_user_name_is_vaults_sts_rendering_cut_to_32()
    {
        var name = StsNames.FederatedName(null, "alice", IamRole("deploy") with { CredentialType = "federation_token" }, Now);
        Assert.Matches(new Regex("^vault-1764000000-[A-Za-z0-9]{15}$"), name);
    }

    // Vault renders an assumed role's session name with Type "IAM" and the role as PolicyName, so CloudTrail
    // queries and trust-policy conditions on sts:RoleSessionName written for Vault ("vault-<display>-<role>-*") match.
    [Fact]
    public void Default_session_name_is_vaults_iam_rendering_with_display_and_role()
    {
        var name = StsNames.SessionName(null, "DOMAIN\\alice smith", IamRole("deploy") with { CredentialType = "assumed_role" }, Now);
        Assert.Matches(new Regex("^vault-DOMAIN_alice_smith-deploy-1764000000-[A-Za-z0-9]{20}$"), name);
    }

    [Fact]
    public void Long_session_names_are_cut_as_vault_cuts_them_42_then_64()
    {
        var name = StsNames.SessionName(null, new string('d', 50), IamRole(new string('r', 60)) with { CredentialType = "assumed_role" }, Now);
        Assert.Equal(StsNames.SessionNameMaxLength, name.Length);
        Assert.Matches(new Regex("^vault-" + new string('d', 42) + "-1764000000-[A-Za-z0-9]{4}$"), name);
    }

    [Fact]
    public void Display_name_characters_iam_refuses_become_underscores() =>
        Assert.Equal("DOMAIN_alice_smith", UsernameTemplate.DisplayName("DOMAIN\\alice smith"));

    private static Role IamRole(string name) => new() { Mount = "aws", Name = name, CredentialType = "iam_user" };

    [Fact]
    public void Lease_ids_are_mount_creds_role_and_24_csprng_characters()
    {
        var ids = Enumerable.Range(0, 200).Select(_ => LeaseIds.New("aws", "dev")).ToList();
        Assert.All(ids, id => Assert.Matches("^aws/creds/dev/[A-Za-z0-9]{24}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids[0], LeaseIds.Validate(ids[0]));
    }

    [Theory]
    [InlineData("aws/creds/dev/../../etc")]
    [InlineData("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA/x")]
    [InlineData("aws/creds/dev/AAAAAAAAAAAAAAAAAAAA%2FAA")]
    [InlineData("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAA\0")]
    [InlineData("aws/creds/dev/' OR 1=1 --AAAAAAAAAAAAAA")]
    [InlineData("")]
    public void Malformed_lease_ids_are_refused(string id)
    {
        var ex = Assert.Throws<EngineException>(() => LeaseIds.Validate(id));
        Assert.Equal("InvalidLeaseId", ex.Reason);
    }

    [Theory]
    [InlineData("../aws")]
    [InlineData("aws//creds")]
    [InlineData("aws/creds/%")]
    [InlineData("aws/creds/dev'--")]
    [InlineData("/aws")]
    public void Malformed_prefixes_are_refused(string prefix) =>
        Assert.Equal("InvalidLeasePrefix", Assert.Throws<EngineException>(() => LeaseIds.ValidatePrefix(prefix)).Reason);

    [Theory]
    [InlineData("aws", "aws")]
    [InlineData("aws/", "aws")]
    [InlineData("team/aws", "team/aws")]
    public void Mount_paths_normalise_as_vault(string given, string expected) => Assert.Equal(expected, Mount.NormalizePath(given));

    [Theory]
    [InlineData("../etc")]
    [InlineData("aws/creds")]
    [InlineData("a b")]
    [InlineData("")]
    public void Unsafe_mount_paths_are_refused(string path) =>
        Assert.Equal("InvalidMountPath", Assert.Throws<EngineException>(() => Mount.NormalizePath(path)).Reason);
}
