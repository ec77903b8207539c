using Xunit;

namespace LocalAws.Tests;

/// <summary>LocalAws's identity-policy evaluator on its own: actions, resources, Deny over Allow, conditions and policy variables.</summary>
public sealed class PolicyEvaluatorTests
{
    private const string Account = "123456789012";
    private const string Vault = "arn:aws:iam::123456789012:user/vault-alice-dev-1700000000-abcd";

    private static string Policy(params string[] statements) => "{\"Version\":\"2012-10-17\",\"Statement\":[" + string.Join(',', statements) + "]}";

    private static string Allow(string action, string resource = "\"*\"", string? condition = null) =>
        $"{{\"Effect\":\"Allow\",\"Action\":{action},\"Resource\":{resource}{(condition is null ? "" : ",\"Condition\":" + condition)}}}";

    private static string Deny(string action, string resource = "\"*\"", string? condition = null) =>
        Allow(action, resource, condition).Replace("\"Allow\"", "\"Deny\"", StringComparison.Ordinal);

    /// <summary>A request by the IAM user alice at 2026-01-01T00:00:00Z; <paramref name="extra"/> adds or replaces keys.</summary>
    private static AuthorizationRequest Request(string action, string resource, params (string Key, string[] Values)[] extra)
    {
        var keys = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws:CurrentTime"] = ["2026-01-01T00:00:00Z"],
            ["aws:username"] = ["alice"],
            ["aws:PrincipalArn"] = [$"arn:aws:iam::{Account}:user/alice"],
            ["aws:PrincipalAccount"] = [Account],
        };
        foreach (var (k, v) in extra)
        {
            if (v.Length == 0)
            {
                keys.Remove(k);
            }
            else
            {
                keys[k] = v;
            }
        }

        return new AuthorizationRequest(action, resource, new ConditionContext(keys, Authorization.IsKnownKey));
    }

    private static Decision Evaluate(string policy, AuthorizationRequest request) => PolicyEvaluator.Evaluate([policy], request);

    [Theory]
    [InlineData("\"iam:CreateUser\"", "iam:CreateUser", "Allow")]
    [InlineData("\"IAM:createuser\"", "iam:CreateUser", "Allow")]
    [InlineData("\"iam:Create*\"", "iam:CreateAccessKey", "Allow")]
    [InlineData("\"iam:?reateUser\"", "iam:CreateUser", "Allow")]
    [InlineData("\"iam:?User\"", "iam:CreateUser", "ImplicitDeny")]
    [InlineData("\"*\"", "sts:GetFederationToken", "Allow")]
    [InlineData("[\"iam:GetUser\",\"iam:ListUsers\"]", "iam:ListUsers", "Allow")]
    [InlineData("\"iam:Get*\"", "iam:DeleteUser", "ImplicitDeny")]
    [InlineData("\"sts:*\"", "iam:GetUser", "ImplicitDeny")]
    public void Action_wildcards_match_case_insensitively(string action, string requested, string expected) =>
        Assert.Equal(Enum.Parse<Decision>(expected), Evaluate(Policy(Allow(action)), Request(requested, Vault)));

    [Fact]
    public void NotAction_allows_everything_but_the_listed_actions()
    {
        var policy = Policy("{\"Effect\":\"Allow\",\"NotAction\":[\"iam:*\",\"organizations:*\"],\"Resource\":\"*\"}");
        Assert.Equal(Decision.Allow, Evaluate(policy, Request("sts:GetFederationToken", "*")));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(policy, Request("iam:GetUser", Vault)));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(policy, Request("IAM:GetUser", Vault)));
    }

    [Theory]
    [InlineData("arn:aws:iam::123456789012:user/vault-*", Vault, "Allow")]
    [InlineData("arn:aws:iam::123456789012:user/vault-*", "arn:aws:iam::123456789012:user/VAULT-alice", "ImplicitDeny")]
    [InlineData("arn:aws:iam::123456789012:user/vault-*", "arn:aws:iam::123456789012:user/team/vault-alice", "ImplicitDeny")]
    [InlineData("arn:aws:iam::123456789012:user/team/vault-*", "arn:aws:iam::123456789012:user/team/vault-alice", "Allow")]
    [InlineData("arn:aws:iam::123456789012:user/*", "arn:aws:iam::123456789012:user/team/vault-alice", "Allow")]
    [InlineData("arn:aws:iam::123456789012:user/vault-?lice", "arn:aws:iam::123456789012:user/vault-alice", "Allow")]
    [InlineData("arn:aws:iam::123456789012:user/vault-?lice", "arn:aws:iam::123456789012:user/vault-aalice", "ImplicitDeny")]
    [InlineData("arn:aws:iam::*:user/vault-*", Vault, "Allow")]
    [InlineData("arn:aws:iam::999999999999:user/vault-*", Vault, "ImplicitDeny")]
    [InlineData("arn:aws:iam::123456789012:group/*", Vault, "ImplicitDeny")]
    [InlineData("arn:aws:iam::123456789012:*", Vault, "Allow")]
    [InlineData("arn:aws:iam::123456789012:user/vault-*", "*", "ImplicitDeny")]
    [InlineData("*", "*", "Allow")]
    public void Resource_arns_match_with_wildcards_case_sensitively_including_paths(string element, string resource, string expected) =>
        Assert.Equal(Enum.Parse<Decision>(expected), Evaluate(Policy(Allow("\"iam:*\"", $"[\"{element}\"]")), Request("iam:GetUser", resource)));

    [Fact]
    public void A_wildcard_stays_inside_its_arn_segment_unless_it_ends_one()
    {
        // '?' never matches the ':' between segments; a '*' in the middle of a segment does not run past it.
        Assert.Equal(Decision.ImplicitDeny, Evaluate(Policy(Allow("\"iam:*\"", "\"arn:aws:iam:?123456789012:user/x\"")), Request("iam:GetUser", "arn:aws:iam::123456789012:user/x")));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(Policy(Allow("\"iam:*\"", "\"arn:aws:i*m:123456789012:user/x\"")), Request("iam:GetUser", "arn:aws:iam::123456789012:user/x")));
        Assert.Equal(Decision.Allow, Evaluate(Policy(Allow("\"iam:*\"", "\"arn:aws:i*:123456789012:user/x\"")), Request("iam:GetUser", "arn:aws:iam::123456789012:user/x")));
    }

    [Fact]
    public void NotResource_allows_every_resource_but_the_listed_ones()
    {
        var policy = Policy("{\"Effect\":\"Allow\",\"Action\":\"iam:*\",\"NotResource\":\"arn:aws:iam::123456789012:user/admin-*\"}");
        Assert.Equal(Decision.Allow, Evaluate(policy, Request("iam:DeleteUser", Vault)));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(policy, Request("iam:DeleteUser", "arn:aws:iam::123456789012:user/admin-root")));
        Assert.Equal(Decision.Allow, Evaluate(policy, Request("iam:ListUsers", "*")));
    }

    [Fact]
    public void An_explicit_deny_wins_over_any_allow_in_any_document()
    {
        var allow = Policy(Allow("\"iam:*\""));
        var deny = Policy(Deny("\"iam:DeleteUser\"", "\"arn:aws:iam::123456789012:user/vault-*\""));
        Assert.Equal(Decision.ExplicitDeny, PolicyEvaluator.Evaluate([allow, deny], Request("iam:DeleteUser", Vault)));
        Assert.Equal(Decision.ExplicitDeny, PolicyEvaluator.Evaluate([deny, allow], Request("iam:DeleteUser", Vault)));
        Assert.Equal(Decision.Allow, PolicyEvaluator.Evaluate([allow, deny], Request("iam:DeleteUser", "arn:aws:iam::123456789012:user/other")));
        Assert.Equal(Decision.Allow, PolicyEvaluator.Evaluate([allow, deny], Request("iam:GetUser", Vault)));
    }

    [Fact]
    public void Nothing_allowing_is_an_implicit_deny()
    {
        Assert.Equal(Decision.ImplicitDeny, PolicyEvaluator.Evaluate([], Request("iam:GetUser", Vault)));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(Policy(Allow("\"iam:GetUser\"", "\"arn:aws:iam::123456789012:user/other\"")), Request("iam:GetUser", Vault)));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(Policy(Deny("\"iam:DeleteUser\"")), Request("iam:GetUser", Vault)));
    }

    [Fact]
    public void CurrentTime_date_conditions_decide_whether_a_statement_applies()
    {
        var guard = Policy(Allow("\"*\""), Deny("\"*\"", condition: "{\"DateGreaterThan\":{\"aws:CurrentTime\":\"2026-06-01T00:00:00Z\"}}"));
        Assert.Equal(Decision.Allow, Evaluate(guard, Request("iam:GetUser", Vault)));
        Assert.Equal(Decision.ExplicitDeny, Evaluate(guard, Request("iam:GetUser", Vault, ("aws:CurrentTime", ["2026-06-01T00:00:01Z"]))));
        var window = Policy(Allow("\"*\"", condition: "{\"DateGreaterThanEquals\":{\"aws:CurrentTime\":\"2025-12-31T00:00:00Z\"},\"DateLessThan\":{\"aws:CurrentTime\":\"1767225601\"}}"));
        Assert.Equal(Decision.Allow, Evaluate(window, Request("iam:GetUser", Vault)));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(window, Request("iam:GetUser", Vault, ("aws:CurrentTime", ["2026-01-01T00:00:01Z"]))));
    }

    [Fact]
    public void String_conditions_on_keys_LocalAws_knows()
    {
        Assert.Equal(Decision.Allow, Evaluate(Policy(Allow("\"*\"", condition: "{\"StringEquals\":{\"aws:username\":[\"bob\",\"alice\"]}}")), Request("iam:GetUser", Vault)));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(Policy(Allow("\"*\"", condition: "{\"StringEquals\":{\"aws:username\":\"ALICE\"}}")), Request("iam:GetUser", Vault)));
        Assert.Equal(Decision.Allow, Evaluate(Policy(Allow("\"*\"", condition: "{\"StringEqualsIgnoreCase\":{\"aws:username\":\"ALICE\"}}")), Request("iam:GetUser", Vault)));
        Assert.Equal(Decision.Allow, Evaluate(Policy(Allow("\"*\"", condition: "{\"StringLike\":{\"aws:PrincipalArn\":\"arn:aws:iam::*:user/a*\"}}")), Request("iam:GetUser", Vault)));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(Policy(Allow("\"*\"", condition: "{\"StringNotEquals\":{\"aws:username\":[\"bob\",\"alice\"]}}")), Request("iam:GetUser", Vault)));

        // The module's ownership marker: a Deny on a user name no IAM user can have never applies.
        var marker = Policy(Allow("\"*\""), Deny("\"*\"", condition: "{\"StringEquals\":{\"aws:username\":\"DynamicAwsCreds;store=S;lease=L\"}}"));
        Assert.Equal(Decision.Allow, Evaluate(marker, Request("iam:GetUser", Vault)));
    }

    [Fact]
    public void A_known_key_the_request_lacks_fails_a_positive_condition_and_passes_a_negated_one()
    {
        var assumedRole = ("aws:username", Array.Empty<string>());
        Assert.Equal(Decision.ImplicitDeny, Evaluate(Policy(Allow("\"*\"", condition: "{\"StringLike\":{\"aws:username\":\"*\"}}")), Request("iam:GetUser", Vault, assumedRole)));
        Assert.Equal(Decision.Allow, Evaluate(Policy(Allow("\"*\"", condition: "{\"StringNotEquals\":{\"aws:username\":\"bob\"}}")), Request("iam:GetUser", Vault, assumedRole)));
        Assert.Equal(Decision.Allow, Evaluate(Policy(Allow("\"*\"", condition: "{\"StringEqualsIfExists\":{\"aws:username\":\"bob\"}}")), Request("iam:GetUser", Vault, assumedRole)));
        Assert.Equal(Decision.Allow, Evaluate(Policy(Allow("\"*\"", condition: "{\"Null\":{\"aws:username\":\"true\"}}")), Request("iam:GetUser", Vault, assumedRole)));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(Policy(Allow("\"*\"", condition: "{\"Null\":{\"aws:username\":\"true\"}}")), Request("iam:GetUser", Vault)));
    }

    [Theory]
    [InlineData("{\"StringEquals\":{\"aws:SourceVpc\":\"vpc-1\"}}")]
    [InlineData("{\"StringNotEquals\":{\"aws:SourceVpc\":\"vpc-1\"}}")]
    [InlineData("{\"Bool\":{\"aws:SecureTransport\":\"true\"}}")]
    [InlineData("{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}")]
    [InlineData("{\"IpAddress\":{\"aws:username\":\"10.0.0.0/8\"}}")]
    public void A_condition_LocalAws_cannot_decide_never_grants_and_always_denies(string condition)
    {
        Assert.Equal(Decision.ImplicitDeny, Evaluate(Policy(Allow("\"*\"", condition: condition)), Request("iam:GetUser", Vault)));
        Assert.Equal(Decision.ExplicitDeny, Evaluate(Policy(Allow("\"*\""), Deny("\"*\"", condition: condition)), Request("iam:GetUser", Vault)));
    }

    [Fact]
    public void Policy_variables_in_resources_resolve_from_the_request()
    {
        var self = Policy(Allow("\"iam:*AccessKey*\"", "\"arn:aws:iam::123456789012:user/${aws:username}\""));
        Assert.Equal(Decision.Allow, Evaluate(self, Request("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/alice")));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(self, Request("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/bob")));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(self, Request("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/alice", ("aws:username", []))));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(self, Request("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/alice", ("aws:username", ["al*"]))));

        var fallback = Policy(Allow("\"iam:*\"", "\"arn:aws:iam::123456789012:user/${aws:username, 'nobody'}\""));
        Assert.Equal(Decision.Allow, Evaluate(fallback, Request("iam:GetUser", "arn:aws:iam::123456789012:user/nobody", ("aws:username", []))));

        var literal = Policy(Allow("\"iam:*\"", "\"arn:aws:iam::123456789012:user/odd${*}name\""));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(literal, Request("iam:GetUser", "arn:aws:iam::123456789012:user/oddXname")));

        var unknown = Policy(Allow("\"iam:*\"", "\"arn:aws:iam::123456789012:user/${aws:SourceIdentity}\""));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(unknown, Request("iam:GetUser", Vault)));
    }

    [Fact]
    public void Set_qualifiers_apply_to_the_request_tag_keys()
    {
        var onlyTeam = Policy(Allow("\"iam:TagUser\"", condition: "{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"team\",\"owner\"]}}"));
        Assert.Equal(Decision.Allow, Evaluate(onlyTeam, Request("iam:TagUser", Vault, ("aws:TagKeys", ["team"]))));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(onlyTeam, Request("iam:TagUser", Vault, ("aws:TagKeys", ["team", "cost"]))));
        var anyCost = Policy(Allow("\"iam:TagUser\"", condition: "{\"ForAnyValue:StringLike\":{\"aws:TagKeys\":\"cost*\"}}"));
        Assert.Equal(Decision.Allow, Evaluate(anyCost, Request("iam:TagUser", Vault, ("aws:TagKeys", ["team", "costcenter"]))));
        Assert.Equal(Decision.ImplicitDeny, Evaluate(anyCost, Request("iam:TagUser", Vault)));
        Assert.Equal(Decision.Allow, Evaluate(Policy(Allow("\"iam:TagUser\"", condition: "{\"StringEquals\":{\"aws:RequestTag/team\":\"build\"}}")),
            Request("iam:TagUser", Vault, ("aws:RequestTag/team", ["build"]))));
    }
}
