using System.Text.RegularExpressions;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Config.Templates;
using Xunit;

namespace DynamicAwsCreds.Tests.Templates;

public class VaultDefaultTemplateTests
{
    private static readonly UsernameTemplateProgram Default = UsernameTemplateProgram.Parse(VaultTemplates.AwsDefault);

    [Fact]
    public void Default_is_vaults_string_verbatim()
    {
        // hashicorp/vault builtin/logical/aws/path_config_root.go, defaultUserNameTemplate (double space included).
        const string vault =
            """{{ if (eq .Type "STS") }}{{ printf "vault-%s-%s"  (unix_time) (random 20) | truncate 32 }}{{ else }}{{ printf "vault-%s-%s-%s" (printf "%s-%s" (.DisplayName) (.PolicyName) | truncate 42) (unix_time) (random 20) | truncate 64 }}{{ end }}""";
        Assert.Equal(vault, VaultTemplates.AwsDefault);
        Assert.Equal(vault, Default.Source);
    }

    [Fact]
    public void Iam_name_has_vaults_shape()
    {
        var now = DateTimeOffset.UtcNow;
        var name = Default.Render(new TemplateData("alice", "deploy", "deploy", TemplateData.Iam), now);

        Assert.Matches($"^vault-alice-deploy-{now.ToUnixTimeSeconds()}-[A-Za-z0-9]{{20}}$", name);
    }

    [Theory]
    [InlineData("alice", "deploy")]
    [InlineData("a-very-long-operating-system-user-name", "and-an-equally-long-role-name")]
    [InlineData("x", "a-role-name-so-long-that-it-pushes-the-timestamp-out")]
    public void Iam_name_cuts_as_vault_and_is_what_the_engine_issues_without_a_template(string display, string policy)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var data = new TemplateData(display, policy, policy, TemplateData.Iam);

        var displayPolicy = Cut($"{display}-{policy}", 42);
        var expected = Cut($"vault-{displayPolicy}-1700000000-{TemplateTestKit.Alphabet(20)}", 64);
        Assert.Equal(expected, Default.Render(data, now, TemplateTestKit.Alphabet));

        var fromTemplate = Default.Render(data, now);
        var builtIn = StsNames.GenerateUserName(null, display, new Role { Mount = "aws", Name = policy, CredentialType = "iam_user" }, now);
        Assert.Equal(builtIn.Length, fromTemplate.Length);
        var fixedPart = Math.Min(expected.Length, $"vault-{displayPolicy}-1700000000-".Length);
        Assert.Equal(builtIn[..fixedPart], fromTemplate[..fixedPart]);
        Assert.Matches("^[A-Za-z0-9]*$", fromTemplate[fixedPart..]);
    }

    [Fact]
    public void Sts_name_has_vaults_shape_cut_to_32()
    {
        var now = DateTimeOffset.UtcNow;
        var name = Default.Render(new TemplateData("alice", "deploy", "deploy", TemplateData.Sts), now);

        Assert.Equal(32, name.Length);
        Assert.Matches($"^vault-{now.ToUnixTimeSeconds()}-[A-Za-z0-9]{{15}}$", name);
        Assert.Equal(Cut($"vault-{now.ToUnixTimeSeconds()}-" + new string('x', 20), 32).Length, name.Length);
    }

    [Fact]
    public void Sts_name_ignores_display_and_policy()
    {
        var name = Default.Render(new TemplateData("alice", "deploy", "deploy", TemplateData.Sts), TemplateTestKit.DocsTime, TemplateTestKit.Alphabet);
        Assert.Equal("vault-1234567890-abcdefghijklmno", name);
    }

    [Fact]
    public void Random_part_comes_from_a_csprng_and_differs_each_time()
    {
        var data = new TemplateData("alice", "deploy", "deploy", TemplateData.Iam);
        var names = Enumerable.Range(0, 200).Select(_ => Default.Render(data, TemplateTestKit.DocsTime)).ToHashSet();
        Assert.Equal(200, names.Count);
    }

    [Fact]
    public void One_program_renders_safely_from_many_threads()
    {
        var data = new TemplateData("alice", "deploy", "deploy", TemplateData.Iam);
        var names = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 2000, _ => names.Add(Default.Render(data, TemplateTestKit.DocsTime)));

        Assert.Equal(2000, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches(new Regex("^vault-alice-deploy-1234567890-[A-Za-z0-9]{20}$"), n));
    }

    [Theory]
    [InlineData(null, "vault-")]
    [InlineData(VaultTemplates.AwsDefault, "vault-")]
    [InlineData("{{ printf \"vault-custom-%s-%s\" .PolicyName (random 8) | truncate 64 }}", "vault-custom-")]
    [InlineData("team-{{.RoleName}}-{{random 12}}", "team-")]
    [InlineData("{{.RoleName}}-{{random 20}}", "")]
    [InlineData("{{ uuid }}", "")]
    [InlineData("dac-{{ timestamp \"2006-01-02\" }}-{{ unix_time }}-{{ .DisplayName | uppercase }}", "dac-")]
    [InlineData("x{{ if eq .RoleName \"srole\" }}a{{ else }}b{{ end }}", "x")]
    public void The_orphan_scan_prefix_is_what_every_name_the_template_renders_starts_with(string? template, string prefix) =>
        Assert.Equal(prefix, DynamicAwsCreds.Engine.Revoke.Orphans.NamePrefix(template));

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];
}
