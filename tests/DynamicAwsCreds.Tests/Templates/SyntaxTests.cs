using DynamicAwsCreds.Engine.Config.Templates;
using Xunit;
using static DynamicAwsCreds.Tests.Templates.TemplateTestKit;

namespace DynamicAwsCreds.Tests.Templates;

public class SyntaxTests
{
    private static readonly TemplateData Sts = Iam with { Type = TemplateData.Sts };

    [Fact]
    public void Plain_text_passes_through()
    {
        Assert.Equal("no actions here", Render("no actions here"));
    }

    [Fact]
    public void All_four_fields()
    {
        Assert.Equal("alice/deploy/deploy-role/IAM", Render("{{.DisplayName}}/{{.PolicyName}}/{{.RoleName}}/{{.Type}}"));
    }

    [Fact]
    public void If_else_on_type()
    {
        const string template = """{{ if (eq .Type "STS") }}sts-{{ .DisplayName }}{{ else }}iam-{{ .PolicyName }}{{ end }}""";
        Assert.Equal("iam-deploy", Render(template));
        Assert.Equal("sts-alice", Render(template, Sts));
    }

    [Fact]
    public void If_without_else_and_without_parentheses()
    {
        Assert.Equal("x-", Render("""x-{{ if eq .Type "STS" }}sts{{ end }}"""));
        Assert.Equal("x-sts", Render("""x-{{ if eq .Type "STS" }}sts{{ end }}""", Sts));
    }

    [Fact]
    public void Else_if_chain()
    {
        const string template = """{{ if eq .Type "STS" }}s{{ else if eq .DisplayName "alice" }}a{{ else if true }}t{{ else }}e{{ end }}""";
        Assert.Equal("s", Render(template, Sts));
        Assert.Equal("a", Render(template));
        Assert.Equal("t", Render(template, Iam with { DisplayName = "bob" }));
    }

    [Fact]
    public void Nested_ifs()
    {
        const string template = """{{ if .DisplayName }}{{ if eq .Type "IAM" }}both{{ else }}name{{ end }}{{ else }}none{{ end }}""";
        Assert.Equal("both", Render(template));
        Assert.Equal("name", Render(template, Sts));
        Assert.Equal("none", Render(template, Iam with { DisplayName = "" }));
    }

    [Fact]
    public void Pipelines_pass_the_value_as_the_last_argument()
    {
        Assert.Equal("ALI", Render("{{ .DisplayName | uppercase | truncate 3 }}"));
        Assert.Equal("xlice", Render("""{{ .DisplayName | replace "a" "x" }}"""));
        Assert.Equal("alice-deploy", Render("""{{ .PolicyName | printf "%s-%s" .DisplayName }}"""));
    }

    [Fact]
    public void Nested_parentheses()
    {
        Assert.Equal(
            "[ALICE-x]",
            Render("""{{ printf "[%s]" (printf "%s-%s" (uppercase (.DisplayName)) ((("X")) | lowercase)) }}"""));
        Assert.Equal("ali", Render("{{ (((.DisplayName | truncate 3))) }}"));
    }

    [Fact]
    public void Trim_markers_remove_white_space_beside_the_action()
    {
        Assert.Equal("aIAMb", Render("a \t\n {{- .Type -}} \r\n b"));
        Assert.Equal("a IAMb", Render("a {{ .Type -}}   b"));
        Assert.Equal("aIAM b", Render("a   {{- .Type }} b"));
        Assert.Equal("vault-IAM", Render("""
            {{- if eq .Type "IAM" -}}
                vault-{{ .Type }}
            {{- end -}}
            """));
    }

    [Fact]
    public void A_minus_without_a_space_is_a_negative_number_not_a_trim_marker()
    {
        Assert.Equal("a -3 b", Render("a {{-3}} b"));
        Assert.Equal("a-3b", Render("a {{- -3 -}} b"));
    }

    [Fact]
    public void Comments_render_nothing()
    {
        Assert.Equal("ab", Render("a{{/* a comment {{ with braces }} */}}b"));
        Assert.Equal("ab", Render("a {{- /* trimmed */ -}} b"));
    }

    [Fact]
    public void String_literals_follow_go()
    {
        Assert.Equal("a\tb\"c\\A\u00e9A\U0001F600", Render("""{{ "a\tb\"c\\\x41\u00e9\101\U0001F600" }}"""));
        Assert.Equal(@"raw\n {{ not an action }}", Render("{{ `raw\\n {{ not an action }}` }}"));
    }

    [Fact]
    public void Number_literals()
    {
        Assert.Equal("65 -7 1000", Render("""{{ printf "%d %d %d" 0x41 -7 1_000 }}"""));
    }

    [Fact]
    public void Output_is_trimmed()
    {
        Assert.Equal("IAM", Render("  {{ .Type }}\n"));
        Assert.Equal("a b", Render(" a b "));
    }

    [Fact]
    public void Actions_may_span_lines()
    {
        Assert.Equal("alice-deploy", Render("""
            {{ printf "%s-%s"
                 .DisplayName
                 .PolicyName }}
            """));
    }

    [Fact]
    public void Source_is_kept()
    {
        const string template = "{{ .Type }}";
        Assert.Equal(template, UsernameTemplateProgram.Parse(template).Source);
    }
}
