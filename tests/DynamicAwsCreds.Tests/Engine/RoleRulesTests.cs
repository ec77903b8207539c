using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

public class RoleRulesTests
{
    private static Role Apply(RoleInput input, Role? existing = null, string name = "dev") =>
        RoleRules.Apply("aws", name, existing, input, DateTimeOffset.UtcNow);

    [Fact]
    public void A_new_role_defaults_to_iam_user() =>
        Assert.Equal("iam_user", Apply(new RoleInput { PolicyArns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }).CredentialType);

    [Fact]
    public void An_update_changes_only_the_given_fields()
    {
        var first = Apply(new RoleInput { PolicyArns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"], IamGroups = ["devs"] });
        var second = Apply(new RoleInput { PolicyDocument = "{ \"Version\": \"2012-10-17\", \"Statement\": [] }" }, first);
        Assert.Equal(first.PolicyArns, second.PolicyArns);
        Assert.Equal(first.IamGroups, second.IamGroups);
        Assert.Equal("{\"Version\":\"2012-10-17\",\"Statement\":[]}", second.PolicyDocument);
    }

    [Theory]
    [InlineData("-dev")]
    [InlineData("dev-")]
    [InlineData("dev ops")]
    [InlineData("dev/ops")]
    [InlineData("dév")]
    [InlineData("dev\n")]
    [InlineData("dev٣")]
    public void Role_names_follow_vaults_pattern(string name) =>
        Assert.Equal("InvalidRoleName", Assert.Throws<EngineException>(() => Apply(new RoleInput(), name: name)).Reason);

    [Theory]
    [InlineData(DynamicAwsCreds.Engine.Issue.ExpiryGuard.PolicyName)]
    [InlineData("dynamicawscreds-expiryguard")]
    [InlineData("DYNAMICAWSCREDS-EXPIRYGUARD")]
    public void A_role_may_not_take_the_expiry_guards_name(string name)
    {
        var existing = Apply(new RoleInput(), name: "dev") with { Name = name };
        foreach (var before in new[] { null, existing })
        {
            var error = Assert.Throws<EngineException>(() => Apply(new RoleInput { PolicyDocument = "{}" }, before, name));
            Assert.Equal("ReservedName", error.Reason);
            Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
            Assert.Equal(name, error.Target);
            Assert.Contains("expiry guard", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_name_that_only_contains_the_guards_name_is_fine() =>
        Assert.Equal("DynamicAwsCreds-ExpiryGuard-readers", Apply(new RoleInput(), name: "DynamicAwsCreds-ExpiryGuard-readers").Name);

    [Theory]
    [InlineData("arn:aws:s3:::bucket")]
    [InlineData("arn:aws:iam::aws:role/ReadOnlyAccess")]
    [InlineData("ReadOnlyAccess")]
    [InlineData("arn:aws:iam::12345:policy/x")]
    public void Policy_arns_must_be_iam_policy_arns(string arn) =>
        Assert.Equal("InvalidPolicyArn", Assert.Throws<EngineException>(() => Apply(new RoleInput { PolicyArns = [arn] })).Reason);

    [Theory]
    [InlineData("arn:aws:iam::aws:policy/ReadOnlyAccess")]
    [InlineData("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")]
    [InlineData("arn:aws-us-gov:iam::123456789012:policy/team/MyPolicy")]
    public void Valid_policy_arns_pass(string arn) => Assert.Equal([arn], Apply(new RoleInput { PolicyArns = [arn] }).PolicyArns);

    [Fact]
    public void Session_token_roles_take_no_policy_document() =>
        Assert.Equal("InvalidRoleParameter", Assert.Throws<EngineException>(() =>
            Apply(new RoleInput { CredentialType = "session_token", PolicyDocument = "{}" })).Reason);

    [Fact]
    public void Default_sts_ttl_may_not_exceed_max() =>
        Assert.Equal("InvalidRoleParameter", Assert.Throws<EngineException>(() => Apply(new RoleInput
        {
            CredentialType = "federation_token", PolicyArns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            DefaultStsTtl = TimeSpan.FromHours(2), MaxStsTtl = TimeSpan.FromHours(1),
        })).Reason);

    [Fact]
    public void Sts_ttls_stay_within_awss_limits() =>
        Assert.Equal("InvalidDuration", Assert.Throws<EngineException>(() => Apply(new RoleInput
        {
            CredentialType = "federation_token", PolicyArns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"], DefaultStsTtl = TimeSpan.FromMinutes(5),
        })).Reason);

    [Fact]
    public void Boundary_must_be_a_policy_arn() =>
        Assert.Equal("InvalidPolicyArn", Assert.Throws<EngineException>(() =>
            Apply(new RoleInput { PermissionsBoundaryArn = "arn:aws:iam::123456789012:role/x" })).Reason);

    [Theory]
    [InlineData("dynamic")]
    [InlineData("/dynamic")]
    [InlineData("dynamic/")]
    public void User_path_must_begin_and_end_with_a_slash(string path) =>
        Assert.Equal("InvalidUserPath", Assert.Throws<EngineException>(() => Apply(new RoleInput { UserPath = path })).Reason);

    [Fact]
    public void Policy_documents_must_be_json_objects() =>
        Assert.Equal("InvalidPolicyDocument", Assert.Throws<EngineException>(() => Apply(new RoleInput { PolicyDocument = "[1,2]" })).Reason);

    [Fact]
    public void An_iam_user_document_leaves_room_for_the_expiry_guard_in_iams_per_user_budget()
    {
        string Document(int padding) =>
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::" + new string('x', padding) + "\"}]}";

        var guard = DynamicAwsCreds.Engine.Issue.ExpiryGuard.Length("aws", "dev");
        var fits = Document(RoleRules.UserInlinePolicyLimit - guard - Document(0).Length);
        Assert.Equal(fits, Apply(new RoleInput { PolicyDocument = fits }).PolicyDocument);
        var tooBig = Document(RoleRules.UserInlinePolicyLimit - guard - Document(0).Length + 1);
        Assert.Equal("PolicyDocumentTooLarge", Assert.Throws<EngineException>(() => Apply(new RoleInput { PolicyDocument = tooBig })).Reason);
        // STS session policies do not share a user's budget.
        Assert.NotNull(Apply(new RoleInput { CredentialType = "federation_token", PolicyDocument = tooBig }).PolicyDocument);
    }
}
