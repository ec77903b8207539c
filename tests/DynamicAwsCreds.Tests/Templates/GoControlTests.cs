using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Config.Templates;
using Xunit;
using static DynamicAwsCreds.Tests.Templates.TemplateTestKit;

namespace DynamicAwsCreds.Tests.Templates;

/// <summary>
/// Go text/template's control structures, variables and built-ins in templates Vault accepts. Every expected output
/// follows from Go's documented semantics for the kit's data (DisplayName "alice", PolicyName "deploy", Type "IAM",
/// unix time 1234567890, random characters "abcd…"); strings are measured and cut in UTF-8 bytes, as Go does.
/// </summary>
public class GoControlTests
{
    [Theory]
    [InlineData("{{ with .DisplayName }}{{ . }}-x{{ end }}", "alice-x")]
    [InlineData("{{ with $n := .PolicyName | uppercase }}{{ $n }}-{{ . }}{{ end }}", "DEPLOY-DEPLOY")]
    [InlineData("{{ with .DisplayName }}{{ $.PolicyName }}-{{ . }}{{ end }}", "deploy-alice")]
    [InlineData("{{ with .DisplayName | truncate 8 }}vault-{{ . }}-{{ end }}{{ .PolicyName }}-{{ unix_time }}-{{ random 4 }}", "vault-alice-deploy-1234567890-abcd")]
    [InlineData("{{ $name := .DisplayName | truncate 3 }}{{ $name }}-{{ $name | uppercase }}", "ali-ALI")]
    [InlineData("{{ $x := \"a\" }}{{ if eq .Type \"IAM\" }}{{ $x = \"b\" }}{{ end }}{{ $x }}", "b")]
    [InlineData("{{ if $t := .Type }}{{ $t }}{{ end }}", "IAM")]
    [InlineData("{{ $ := .Type }}{{ . }}", "{IAM alice deploy}")]
    [InlineData("{{ range 3 }}{{ . }}{{ end }}", "012")]
    [InlineData("{{ $last := 9 }}{{ range $last = 3 }}{{ . }}{{ end }}-{{ $last }}", "012-2")]
    [InlineData("{{ range $i := 3 }}{{ $i }}{{ . }}{{ end }}", "001122")]
    [InlineData("{{ range 0 }}x{{ else }}none-{{ . }}{{ end }}", "none-{IAM alice deploy}")]
    [InlineData("{{ range $n := -1 }}x{{ else }}none-{{ $n }}{{ end }}", "none--1")]
    [InlineData("{{ $last := 9 }}{{ range $last = 0 }}x{{ end }}-{{ $last }}", "-0")]
    [InlineData("{{ range $i := 5 }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ $i }}{{ end }}", "02")]
    [InlineData("{{ range $i := len .PolicyName }}{{ if ge $i 4 }}{{ index $.PolicyName $i }}-{{ end }}{{ end }}", "111-121-")]
    [InlineData("{{ len .DisplayName }}", "5")]
    [InlineData("{{ len \"é\" }}", "2")]
    [InlineData("{{ if lt (len .DisplayName) 6 }}short{{ else }}long{{ end }}", "short")]
    [InlineData("{{ if gt (len .PolicyName) 5 }}y{{ end }}", "y")]
    [InlineData("{{ if .DisplayName | len | lt 3 }}long{{ end }}", "long")]
    [InlineData("{{ le 2 2 }}-{{ ge 1 2 }}-{{ lt \"a\" \"b\" }}-{{ gt \"b\" \"a\" }}-{{ ne .Type \"STS\" }}", "true-false-true-true-true")]
    [InlineData("{{ slice .PolicyName 1 3 }}-{{ slice .PolicyName 2 }}-{{ slice .PolicyName }}", "ep-ploy-deploy")]
    [InlineData("{{ print 1 2 \"a\" 3 }}", "1 2a3")]
    [InlineData("{{ \"héllo\" | truncate 3 }}", "hé")]
    [InlineData("{{ \"ééé\" | truncate 4 }}", "éé")]
    [InlineData("{{ truncate_sha256 12 \"ab-héllo-wor\" }}", "ab-h9be10e69")]
    public void Renders_as_go_does(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void With_and_else_with_run_their_else_on_the_outer_dot()
    {
        var anonymous = Iam with { DisplayName = "" };
        Assert.Equal("anon-IAM", Render("{{ with .DisplayName }}{{ . }}{{ else }}anon-{{ .Type }}{{ end }}", anonymous));
        Assert.Equal("p-deploy", Render("{{ with .DisplayName }}d-{{ . }}{{ else with .PolicyName }}p-{{ . }}{{ end }}", anonymous));
        Assert.Equal("d-alice", Render("{{ with .DisplayName }}d-{{ . }}{{ else with .PolicyName }}p-{{ . }}{{ end }}"));
    }

    [Theory]
    [InlineData("{{ range .Type }}x{{ end }}", "range can't iterate over a string")]
    [InlineData("{{ range $i, $e := 3 }}{{ end }}", "more than one variable")]
    [InlineData("{{ range $i = 3 }}{{ end }}", "undefined variable \"$i\"")]
    [InlineData("{{ range 3 }}x", "{{range}} is never closed: missing {{end}}")]
    [InlineData("{{ with .Type }}x{{ end }}{{ end }}", "unexpected {{end}} without a matching {{if}}, {{with}} or {{range}}")]
    [InlineData("{{ $y }}", "undefined variable \"$y\"")]
    [InlineData("{{ $y = 1 }}", "undefined variable \"$y\"")]
    [InlineData("{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}", "undefined variable \"$y\"")]
    [InlineData("{{ range 2 }}{{ $y := 1 }}{{ end }}{{ $y }}", "undefined variable \"$y\"")]
    [InlineData("{{ $a, $b := 1 }}", "too many declarations")]
    [InlineData("{{ break }}", "{{break}} outside {{range}}")]
    [InlineData("{{ range 2 }}{{ else }}{{ continue }}{{ end }}", "{{continue}} outside {{range}}")]
    [InlineData("{{ with .Type }}{{ .DisplayName }}{{ end }}", "can't evaluate field DisplayName in type string")]
    [InlineData("{{ range 2 }}{{ .Type }}{{ end }}", "can't evaluate field Type in type int")]
    [InlineData("{{ lt .Type 1 }}", "incompatible types for comparison")]
    [InlineData("{{ ge true false }}", "invalid type for comparison")]
    [InlineData("{{ len 5 }}", "len of type int")]
    [InlineData("{{ slice \"abc\" 1 2 3 }}", "cannot 3-index slice a string")]
    public void Refusals_at_parse(string template, string message) =>
        Assert.Contains(message, Assert.Throws<TemplateException>(() => UsernameTemplateProgram.Parse(template)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("{{ slice .DisplayName 2 9 }}", "index out of range: 9")]
    [InlineData("{{ index .DisplayName 5 }}", "index out of range: 5")]
    [InlineData("{{ range 100000 }}{{ end }}", "range runs more than")]
    [InlineData("{{ $x := .Type }}{{ range 2 }}{{ truncate 1 $x }}{{ $x = 2 }}{{ end }}", "truncate: argument 2 must be a string, not a number")]
    public void Refusals_while_rendering(string template, string message)
    {
        var program = UsernameTemplateProgram.Parse(template);
        Assert.Contains(message, Assert.Throws<TemplateException>(() => program.Render(Iam, DocsTime)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_that_does_not_parse_is_dynamicawscreds_invalid_username_template()
    {
        var error = Assert.Throws<EngineException>(() => StsNames.ValidateTemplate("vault-{{ range .DisplayName }}x{{ end }}"));
        Assert.Equal("InvalidUsernameTemplate", error.Reason);
        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("range can't iterate over a string", error.Message, StringComparison.Ordinal);
    }

    // docs/help/Set-AwsRootConfig.md, example 9.
    [Fact]
    public void The_help_example_names_users_as_documented()
    {
        const string template = """
            {{ if eq .Type "STS" }}{{ printf "vault-%s-%s" unix_time (random 20) | truncate 32 }}{{ else }}
            {{- $who := .DisplayName | lowercase }}
            {{- if gt (len $who) 16 }}{{ $who = $who | truncate_sha256 16 }}{{ end }}
            {{- with $role := .PolicyName | truncate 20 }}{{ printf "vault-%s-%s-%s-%s" $who $role unix_time (random 8) }}{{ end }}{{ end }}
            """;
        Assert.Equal("vault-alice-deploy-1234567890-abcdefgh", Render(template, Iam with { DisplayName = "Alice" }));
        Assert.Equal("vault-a-very-l62507bdc-deploy-1234567890-abcdefgh", Render(template, Iam with { DisplayName = "A-Very-Long-Display-Name" }));
        Assert.Equal("vault-1234567890-abcdefghijklmno", Render(template, Iam with { Type = TemplateData.Sts }));
    }

    [Fact]
    public void Vaults_default_written_with_variables_and_with_names_the_same_users()
    {
        const string rewritten = "{{ if eq .Type \"STS\" }}{{ printf \"vault-%s-%s\" unix_time (random 20) | truncate 32 }}{{ else }}"
            + "{{ $mid := printf \"%s-%s\" .DisplayName .PolicyName | truncate 42 }}{{ with $t := unix_time }}"
            + "{{ printf \"vault-%s-%s-%s\" $mid $t (random 20) | truncate 64 }}{{ end }}{{ end }}";
        foreach (var data in new[] { Iam, Iam with { Type = TemplateData.Sts }, Iam with { DisplayName = new string('d', 50) } })
        {
            Assert.Equal(Render(VaultTemplates.AwsDefault, data), Render(rewritten, data));
        }
    }
}
