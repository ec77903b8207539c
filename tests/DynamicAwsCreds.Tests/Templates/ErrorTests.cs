using DynamicAwsCreds.Engine.Config.Templates;
using Xunit;
using static DynamicAwsCreds.Tests.Templates.TemplateTestKit;

namespace DynamicAwsCreds.Tests.Templates;

public class ErrorTests
{
    private static TemplateException ParseFails(string template) =>
        Assert.Throws<TemplateException>(() => UsernameTemplateProgram.Parse(template));

    [Fact]
    public void Unclosed_action_names_where_it_opened()
    {
        var ex = ParseFails("vault-{{ .DisplayName");
        Assert.Contains("unclosed action", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 1 column 7", ex.Message, StringComparison.Ordinal);
        Assert.Equal((1, 7), (ex.Line, ex.Column));
    }

    [Fact]
    public void Unknown_function_is_named()
    {
        var ex = ParseFails("{{ .DisplayName | frobnicate 3 }}");
        Assert.Contains("function \"frobnicate\" is not defined", ex.Message, StringComparison.Ordinal);
        Assert.Equal(19, ex.Column);
    }

    [Fact]
    public void Unknown_field_lists_the_real_ones()
    {
        var ex = ParseFails("{{ .UserName }}");
        Assert.Contains("unknown field .UserName", ex.Message, StringComparison.Ordinal);
        Assert.Contains(".DisplayName, .PolicyName, .RoleName, .Type", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fields_are_case_sensitive_as_in_go()
    {
        Assert.Contains("unknown field .displayName", ParseFails("{{ .displayName }}").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{{ truncate 5 }}", "wrong number of arguments for truncate: want 2, got 1")]
    [InlineData("{{ .DisplayName | truncate }}", "wrong number of arguments for truncate: want 2, got 1, counting the piped value")]
    [InlineData("{{ .DisplayName | truncate 1 2 }}", "want 2, got 3")]
    [InlineData("{{ uuid 4 }}", "wrong number of arguments for uuid: want 0, got 1")]
    [InlineData("{{ .Type | unix_time }}", "wrong number of arguments for unix_time: want 0, got 1")]
    [InlineData("{{ replace \"a\" .Type }}", "wrong number of arguments for replace: want 3, got 2")]
    [InlineData("{{ printf }}", "wrong number of arguments for printf: want at least 1, got 0")]
    [InlineData("{{ eq .Type }}", "wrong number of arguments for eq: want at least 2, got 1")]
    public void Wrong_argument_count(string template, string message)
    {
        Assert.Contains(message, ParseFails(template).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_needs_a_number()
    {
        var missing = ParseFails("{{ random }}");
        Assert.Contains("wrong number of arguments for random: want 1, got 0 (usage: random N)", missing.Message, StringComparison.Ordinal);

        var word = ParseFails("{{ random \"twenty\" }}");
        Assert.Contains("random: argument 1 must be a number, not a string", word.Message, StringComparison.Ordinal);

        var field = ParseFails("{{ random .DisplayName }}");
        Assert.Contains("must be a number", field.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{{ truncate \"5\" .Type }}", "truncate: argument 1 must be a number, not a string")]
    [InlineData("{{ 5 | uppercase }}", "uppercase: the piped value must be a string, not a number")]
    [InlineData("{{ printf \"%d\" .Type }}", "%d needs a number but value 1 is a string")]
    [InlineData("{{ printf \"%s-%s\" .Type }}", "has 2 verb(s) but is given 1 value(s)")]
    [InlineData("{{ printf \"%s\" .Type .Type }}", "has 1 verb(s) but is given 2 value(s)")]
    [InlineData("{{ printf \"%x\" .Type }}", "printf verb '%x'")]
    [InlineData("{{ printf \"50%\" }}", "ends in the middle of a verb")]
    [InlineData("{{ if eq .Type 1 }}x{{ end }}", "cannot compare a string with a number")]
    [InlineData("{{ truncate 0 .Type }}", "truncate length must be > 0 but was 0")]
    [InlineData("{{ truncate_sha256 8 .Type }}", "truncate_sha256 length must be > 8 but was 8")]
    [InlineData("{{ random -1 }}", "random length must be 0 to 1000")]
    public void Wrong_argument_types_and_values(string template, string message)
    {
        Assert.Contains(message, ParseFails(template).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{{ if .Type }}x", "{{if}} is never closed: missing {{end}}")]
    [InlineData("x{{ end }}", "unexpected {{end}} without a matching {{if}}")]
    [InlineData("x{{ else }}y", "unexpected {{else}} without a matching {{if}}")]
    [InlineData("{{ if .Type }}a{{ else }}b{{ else }}c{{ end }}", "already has an {{else}}")]
    [InlineData("{{ if }}x{{ end }}", "missing value in {{if}}")]
    [InlineData("{{ }}", "missing value in action")]
    [InlineData("{{ (.Type }}", "expected \")\"")]
    [InlineData("{{ .Type) }}", "expected \"}}\" to close the action but found \")\"")]
    [InlineData("{{ \"abc }}", "unterminated string")]
    [InlineData("{{ `abc }}", "unterminated raw string")]
    [InlineData("{{ \"\\q\" }}", "unknown escape sequence \"\\q\"")]
    [InlineData("{{ 'a' }}", "character constants")]
    [InlineData("{{ 1.5 }}", "only whole numbers are supported")]
    [InlineData("{{ 12abc }}", "bad number 12abc")]
    [InlineData("{{ define \"x\" }}y{{ end }}", "\"define\" is not supported")]
    [InlineData("{{ template \"x\" }}", "\"template\" is not supported")]
    [InlineData("{{ .Type | .DisplayName }}", "only a function can follow \"|\"")]
    [InlineData("{{ .Type \"x\" }}", "is not a function")]
    [InlineData("{{ printf\"x\" }}", "missing space before string \"x\"")]
    [InlineData("{{ .Type # }}", "unexpected character '#'")]
    [InlineData("{{/* never closed }}", "unclosed comment")]
    [InlineData("{{/* a */ .Type }}", "comment must end with")]
    public void Syntax_errors(string template, string message)
    {
        Assert.Contains(message, ParseFails(template).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_report_the_line()
    {
        var ex = ParseFails("vault-\n  {{ .DisplayName }}\n  {{ nope }}");
        Assert.Equal((3, 6), (ex.Line, ex.Column));
        Assert.StartsWith("username template, line 3 column 6:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_and_oversized_templates_are_refused()
    {
        Assert.Contains("empty", ParseFails("").Message, StringComparison.Ordinal);
        Assert.Contains("too long", ParseFails("{{" + new string('(', 1_000_000)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => UsernameTemplateProgram.Parse(null!));
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_crash()
    {
        Assert.Contains("nested more than", ParseFails("{{" + new string('(', 5000) + ".Type" + new string(')', 5000) + "}}").Message, StringComparison.Ordinal);
        Assert.Equal("IAM", Render("{{" + new string('(', 50) + ".Type" + new string(')', 50) + "}}"));
    }

    [Fact]
    public void Values_only_known_while_rendering_fail_at_render_with_a_position()
    {
        var program = UsernameTemplateProgram.Parse("{{ truncate (and 0 1) .Type }}");
        var ex = Assert.Throws<TemplateException>(() => program.Render(Iam, DocsTime));
        Assert.Contains("truncate length must be > 0 but was 0", ex.Message, StringComparison.Ordinal);
        Assert.Equal(4, ex.Column);
    }
}
