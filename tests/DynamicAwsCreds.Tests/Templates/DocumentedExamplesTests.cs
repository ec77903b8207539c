using DynamicAwsCreds.Engine.Config.Templates;
using Xunit;
using static DynamicAwsCreds.Tests.Templates.TemplateTestKit;

namespace DynamicAwsCreds.Tests.Templates;

/// <summary>
/// The examples on Vault's "Username templating" docs page, with its data: DisplayName "token-with-display-name",
/// RoleName "my_custom_database_role", time 1234567890, and the alphabet as the random characters.
/// </summary>
public class DocumentedExamplesTests
{
    private static readonly TemplateData DocsData =
        new("token-with-display-name", "", "my_custom_database_role", TemplateData.Iam);

    [Fact]
    public void Basic_example()
    {
        Assert.Equal(
            "token-with-display-name_my_custom_database_role",
            Render("{{.DisplayName}}_{{.RoleName}}", DocsData));
    }

    [Fact]
    public void Spaces_inside_the_braces_are_optional()
    {
        Assert.Equal(Render("{{.DisplayName}}", DocsData), Render("{{ .DisplayName }}", DocsData));
    }

    [Fact]
    public void Custom_functions_example()
    {
        // The docs print "..._2009_02_13T11_31_30Z_0700", but Go renders layout "15" as the 24-hour clock and the
        // layout has no zone element, so Go itself (and this) gives 23_31_30Z.
        Assert.Equal(
            "FOO_TOKEN_WITH_DISPLAY_NAME_MY_CUSTOM_DATABASE_ROLE_2009_02_13T23_31_30Z",
            Render(
                """FOO_{{.DisplayName | replace "-" "_" | uppercase}}_{{.RoleName | replace "-" "_" | uppercase}}_{{timestamp "2006_01_02T15_04_05Z" | replace "-" "_"}}""",
                DocsData));
    }

    [Fact]
    public void Truncating_to_maximum_length_example()
    {
        Assert.Equal(
            "v_token-wi_my_custo_abcdefghijklmnopqrst_1234",
            Render("""{{printf "v_%s_%s_%s_%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 45}}""", DocsData));
    }

    [Fact]
    public void Truncate_sha256_example()
    {
        var data = DocsData with { DisplayName = "abcdefghijklmnopqrstuvwxyz" };
        Assert.Equal("abcdefghijkl872808ff", Render("{{.DisplayName | truncate_sha256 20}}", data));
    }

    [Theory]
    [InlineData("{{random 20}}", "^[A-Za-z0-9]{20}$")]
    [InlineData("{{unix_time}}", "^[0-9]+$")]
    [InlineData("{{unix_time_millis}}", "^[0-9]+$")]
    [InlineData("{{uuid}}", "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    [InlineData("""{{timestamp "2006-01-02T15:04:05Z"}}""", @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
    public void Generating_value_examples_have_the_documented_shape(string template, string shape)
    {
        var output = UsernameTemplateProgram.Parse(template).Render(DocsData, DateTimeOffset.UtcNow);
        Assert.Matches(shape, output);
    }

    [Fact]
    public void Vault_aws_engine_custom_template_from_its_tests()
    {
        var output = UsernameTemplateProgram.Parse(
                """{{ printf "vault-%s-%s-%s-%s" (.DisplayName) (.PolicyName) (unix_time) (random 20) | truncate 64 }}""")
            .Render(new TemplateData("name1", "policy1", "", TemplateData.Iam), DateTimeOffset.UtcNow);
        Assert.Matches("^vault-name1-policy1-[0-9]+-[a-zA-Z0-9]+", output);
    }

    [Theory]
    [InlineData("""{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 | lowercase }}""",
        "v-token-wi-my_custo-abcdefghijklmnopqrst-1234567890")]
    [InlineData("""{{ printf "v_%s_%s_%s_%s" (.DisplayName | truncate 15) (.RoleName | truncate 15) (random 20) (unix_time) | truncate 100 | replace "-" "_" | lowercase }}""",
        "v_token_with_disp_my_custom_datab_abcdefghijklmnopqrst_1234567890")]
    [InlineData("""{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 15) (.RoleName | truncate 15) (random 20) (unix_time) | replace "." "-" | truncate 100 }}""",
        "v-token-with-disp-my_custom_datab-abcdefghijklmnopqrst-1234567890")]
    public void Vault_database_plugin_defaults_render(string template, string expected)
    {
        Assert.Equal(expected, Render(template, DocsData));
    }
}
