using System.Net;
using System.Text.Json;
using Xunit;
using DynamicAwsCreds.Tests.Shared;
using static LocalAws.Tests.LocalAwsHarness;

namespace LocalAws.Tests;

/// <summary>
/// LocalAws's root key under a policy of its own (<see cref="LocalAwsOptions.RootPolicy"/>): every IAM and STS action is
/// authorised on the resource the Service Authorization Reference names for it, as AWS does, and refused in AWS's words.
/// </summary>
public sealed class LocalAwsRootPolicyTests
{
    private const string Account = "123456789012";
    private const string Root = "arn:aws:iam::123456789012:user/localaws-root";

    private static string Policy(params string[] statements) => "{\"Version\":\"2012-10-17\",\"Statement\":[" + string.Join(',', statements) + "]}";

    private static string Allow(string actions, string resources) => $"{{\"Effect\":\"Allow\",\"Action\":{actions},\"Resource\":{resources}}}";

    private static Task<LocalAwsHarness> StartAsync(string rootPolicy) => LocalAwsHarness.StartAsync(o => o.RootPolicy = rootPolicy);

    private static void Denied(AwsAnswer answer, string permission, string resource, string reason = "because no identity-based policy allows the {0} action")
    {
        Assert.True(answer.Status == HttpStatusCode.Forbidden && answer.ErrorCode == "AccessDenied", $"expected 403 AccessDenied, got {(int)answer.Status}: {answer.Body}");
        Assert.Equal($"User: {Root} is not authorized to perform: {permission} on resource: {resource} " + string.Format(System.Globalization.CultureInfo.InvariantCulture, reason, permission),
            answer.ErrorMessage);
    }

    /// <summary>An administrator for the test's own setup: the container credentials endpoint's role, which the root policy does not govern.</summary>
    private static async Task<TestSigner> AdminAsync(LocalAwsHarness aws)
    {
        using var http = new HttpClient();
        using var json = JsonDocument.Parse(await http.GetStringAsync(aws.Server.ContainerCredentialsUri));
        var c = json.RootElement;
        return aws.Root.WithSession(c.GetProperty("AccessKeyId").GetString()!, c.GetProperty("SecretAccessKey").GetString()!, c.GetProperty("Token").GetString()!);
    }

    [Fact]
    public async Task The_root_key_is_refused_what_its_policy_does_not_allow_in_AWSs_words()
    {
        await using var aws = await StartAsync(Policy(Allow("[\"iam:CreateUser\",\"iam:GetUser\",\"iam:DeleteUser\"]", "\"arn:aws:iam::123456789012:user/vault-*\"")));

        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "vault-a")));
        Ok(await aws.Root.IamAsync("GetUser", ("UserName", "vault-a")));
        Denied(await aws.Root.IamAsync("CreateUser", ("UserName", "mallory")), "iam:CreateUser", "arn:aws:iam::123456789012:user/mallory");
        Denied(await aws.Root.IamAsync("CreateAccessKey", ("UserName", "vault-a")), "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/vault-a");

        // ListUsers has no resource type: only Resource "*" grants it; AWS's message names the user root.
        Denied(await aws.Root.IamAsync("ListUsers"), "iam:ListUsers", "arn:aws:iam::123456789012:user/");
        Denied(await aws.Root.IamAsync("ListPolicies"), "iam:ListPolicies", "arn:aws:iam::123456789012:policy/");

        // GetUser without a name is on the caller.
        Denied(await aws.Root.IamAsync("GetUser"), "iam:GetUser", Root);
        Assert.False(aws.Server.State.UserExists("mallory"));
        Ok(await aws.Root.IamAsync("DeleteUser", ("UserName", "vault-a")));
    }

    [Fact]
    public async Task A_user_is_authorised_on_its_arn_with_its_path()
    {
        await using var aws = await StartAsync(Policy(Allow("[\"iam:CreateUser\",\"iam:GetUser\"]", "\"arn:aws:iam::123456789012:user/vault-*\"")));

        Denied(await aws.Root.IamAsync("CreateUser", ("UserName", "vault-b"), ("Path", "/team/")), "iam:CreateUser", "arn:aws:iam::123456789012:user/team/vault-b");
        Ok(await (await AdminAsync(aws)).IamAsync("CreateUser", ("UserName", "vault-c"), ("Path", "/team/")));
        Denied(await aws.Root.IamAsync("GetUser", ("UserName", "vault-c")), "iam:GetUser", "arn:aws:iam::123456789012:user/team/vault-c");
    }

    [Fact]
    public async Task Group_membership_is_authorised_on_the_group_not_the_user()
    {
        var onUsers = Allow("[\"iam:CreateUser\",\"iam:AddUserToGroup\",\"iam:RemoveUserFromGroup\"]", "\"arn:aws:iam::123456789012:user/vault-*\"");
        await using var aws = await StartAsync(Policy(onUsers, Allow("\"iam:RemoveUserFromGroup\"", "\"arn:aws:iam::123456789012:group/devs\"")));
        Ok(await (await AdminAsync(aws)).IamAsync("CreateGroup", ("GroupName", "devs")));
        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "vault-d")));

        Denied(await aws.Root.IamAsync("AddUserToGroup", ("UserName", "vault-d"), ("GroupName", "devs")), "iam:AddUserToGroup", "arn:aws:iam::123456789012:group/devs");
        Ok(await (await AdminAsync(aws)).IamAsync("AddUserToGroup", ("UserName", "vault-d"), ("GroupName", "devs")));
        Ok(await aws.Root.IamAsync("RemoveUserFromGroup", ("UserName", "vault-d"), ("GroupName", "devs")));
    }

    [Fact]
    public async Task CreateUser_with_tags_also_needs_TagUser()
    {
        var create = Allow("\"iam:CreateUser\"", "\"arn:aws:iam::123456789012:user/vault-*\"");
        await using var aws = await StartAsync(Policy(create, Allow("\"iam:TagUser\"", "\"arn:aws:iam::123456789012:user/vault-tagged-*\"")));

        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "vault-plain")));
        Denied(await aws.Root.IamAsync("CreateUser", ("UserName", "vault-e"), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "build")),
            "iam:TagUser", "arn:aws:iam::123456789012:user/vault-e");
        Assert.False(aws.Server.State.UserExists("vault-e"));
        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "vault-tagged-e"), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "build")));
    }

    [Fact]
    public async Task An_explicit_deny_in_the_root_policy_wins()
    {
        var deny = "{\"Effect\":\"Deny\",\"Action\":\"iam:DeleteUser\",\"Resource\":\"arn:aws:iam::123456789012:user/vault-keep-*\"}";
        await using var aws = await StartAsync(Policy(Allow("\"iam:*\"", "\"*\""), deny));

        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "vault-keep-1")));
        Denied(await aws.Root.IamAsync("DeleteUser", ("UserName", "vault-keep-1")), "iam:DeleteUser", "arn:aws:iam::123456789012:user/vault-keep-1",
            "with an explicit deny in an identity-based policy");
        Ok(await aws.Root.IamAsync("ListUsers"));
    }

    [Fact]
    public async Task A_condition_on_a_key_LocalAws_does_not_model_never_grants()
    {
        var allow = "{\"Effect\":\"Allow\",\"Action\":\"iam:*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:SourceVpc\":\"vpc-1\"}}}";
        var own = "{\"Effect\":\"Allow\",\"Action\":\"iam:GetUser\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:username\":\"localaws-root\"}}}";
        await using var aws = await StartAsync(Policy(allow, own));

        Denied(await aws.Root.IamAsync("ListUsers"), "iam:ListUsers", "arn:aws:iam::123456789012:user/");
        Ok(await aws.Root.IamAsync("GetUser"));
    }

    [Fact]
    public async Task STS_actions_are_authorised_on_the_role_and_the_federated_user()
    {
        var sts = Policy(
            Allow("\"sts:AssumeRole\"", "\"arn:aws:iam::123456789012:role/dev-*\""),
            Allow("\"sts:GetFederationToken\"", "\"arn:aws:sts::123456789012:federated-user/app-*\""));
        await using var aws = await StartAsync(sts);
        var admin = await AdminAsync(aws);
        const string trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}""";
        Ok(await admin.IamAsync("CreateRole", ("RoleName", "dev-reader"), ("AssumeRolePolicyDocument", trust)));
        Ok(await admin.IamAsync("CreateRole", ("RoleName", "prod-reader"), ("AssumeRolePolicyDocument", trust)));

        Ok(await aws.Root.StsAsync("AssumeRole", ("RoleArn", $"arn:aws:iam::{Account}:role/dev-reader"), ("RoleSessionName", "s1")));
        var prod = await aws.Root.StsAsync("AssumeRole", ("RoleArn", $"arn:aws:iam::{Account}:role/prod-reader"), ("RoleSessionName", "s1"));
        Assert.Equal((HttpStatusCode.Forbidden, "AccessDenied"), (prod.Status, prod.ErrorCode));
        Assert.Equal($"User: {Root} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{Account}:role/prod-reader", prod.ErrorMessage);

        Ok(await aws.Root.StsAsync("GetFederationToken", ("Name", "app-1")));
        Denied(await aws.Root.StsAsync("GetFederationToken", ("Name", "other")), "sts:GetFederationToken", $"arn:aws:sts::{Account}:federated-user/other");

        // No policy controls GetSessionToken.
        Ok(await aws.Root.StsAsync("GetSessionToken"));
    }

    [Fact]
    public async Task An_issued_users_own_policies_are_evaluated_on_resources_too()
    {
        await using var aws = await LocalAwsHarness.StartAsync();
        var alice = await aws.UserWithKeyAsync("alice");
        Ok(await aws.Root.IamAsync("PutUserPolicy", ("UserName", "alice"), ("PolicyName", "self"),
            ("PolicyDocument", Policy(Allow("\"iam:GetUser\"", "\"arn:aws:iam::123456789012:user/${aws:username}\"")))));
        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "bob")));

        Ok(await alice.IamAsync("GetUser"));
        Ok(await alice.IamAsync("GetUser", ("UserName", "alice")));
        var other = await alice.IamAsync("GetUser", ("UserName", "bob"));
        Assert.Equal("User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:GetUser on resource: arn:aws:iam::123456789012:user/bob because no identity-based policy allows the iam:GetUser action",
            other.ErrorMessage);
    }

    [Fact]
    public async Task The_container_credentials_endpoint_answers_whatever_the_root_policy_says()
    {
        await using var aws = await StartAsync(Policy(Allow("\"iam:GetUser\"", "\"arn:aws:iam::123456789012:user/nobody\"")));
        var admin = await AdminAsync(aws);
        Ok(await admin.IamAsync("ListUsers"));
        Denied(await aws.Root.IamAsync("ListUsers"), "iam:ListUsers", "arn:aws:iam::123456789012:user/");
    }

    [Fact]
    public async Task A_root_policy_IAM_would_refuse_is_refused_at_start()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => StartAsync("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:*\"}]}"));
        Assert.Contains("Policy statement must contain resources.", e.Message, StringComparison.Ordinal);
    }
}
