using DynamicAwsCreds.Engine.Config.Templates;
using Xunit;
using static DynamicAwsCreds.Tests.Templates.TemplateTestKit;

namespace DynamicAwsCreds.Tests.Templates;

public class FunctionTests
{
    private static TemplateData WithDisplay(string s) => Iam with { DisplayName = s };

    [Theory]
    [InlineData(1, "f")]
    [InlineData(5, "fooba")]
    [InlineData(8, "foobarba")]
    [InlineData(9, "foobarbaz")]
    [InlineData(100, "foobarbaz")]
    public void Truncate(int max, string expected)
    {
        Assert.Equal(expected, Render($"{{{{ .DisplayName | truncate {max} }}}}", WithDisplay("foobarbaz")));
        Assert.Equal(expected, Render($"{{{{ truncate {max} .DisplayName }}}}", WithDisplay("foobarbaz")));
    }

    // Vault's own expectations (sdk/helper/template funcs_test.go): the hash covers only the characters cut off.
    [Theory]
    [InlineData(9, "t4bb25641")]
    [InlineData(12, "this704cd12b")]
    [InlineData(22, "thisisareallyl7f978be6")]
    [InlineData(23, "thisisareallylongstring")]
    [InlineData(24, "thisisareallylongstring")]
    [InlineData(100, "thisisareallylongstring")]
    public void Truncate_sha256(int max, string expected)
    {
        Assert.Equal(expected, Render($"{{{{ .DisplayName | truncate_sha256 {max} }}}}", WithDisplay("thisisareallylongstring")));
    }

    [Fact]
    public void Vaults_builtin_functions_example()
    {
        const string template = """
            {{.DisplayName | truncate 10}}
            {{.DisplayName | uppercase}}
            {{.DisplayName | lowercase}}
            {{.DisplayName | replace " " "."}}
            {{.DisplayName | sha256}}
            {{.DisplayName | base64}}
            {{.DisplayName | truncate_sha256 20}}
            """;
        const string expected = """
            Some strin
            SOME STRING WITH MULTIPLE CAPITALS LETTERS
            some string with multiple capitals letters
            Some.string.with.Multiple.Capitals.LETTERS
            da9872dd96609c72897defa11fe81017a62c3f44339d9d3b43fe37540ede3601
            U29tZSBzdHJpbmcgd2l0aCBNdWx0aXBsZSBDYXBpdGFscyBMRVRURVJT
            Some string 6841cf80
            """;
        Assert.Equal(expected, Render(template, WithDisplay("Some string with Multiple Capitals LETTERS")));
    }

    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("foobar", "c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2")]
    [InlineData("mystring", "bd3ff47540b31e62d4ca6b07794e5a886b0f655fc322730f26ecd65cc7dd5c90")]
    public void Sha256(string input, string expected)
    {
        Assert.Equal(expected, Render($"{{{{ sha256 \"{input}\" }}}}"));
    }

    [Theory]
    [InlineData("foobar", "fOoBaR", "FOOBAR")]
    [InlineData("foobar", "FOOBAR", "FOOBAR")]
    public void Uppercase_and_lowercase(string lower, string mixed, string upper)
    {
        Assert.Equal(upper, Render($"{{{{ .DisplayName | uppercase }}}}", WithDisplay(mixed)));
        Assert.Equal(lower, Render($"{{{{ .DisplayName | lowercase }}}}", WithDisplay(mixed)));
        Assert.Equal(upper, Render($"{{{{ uppercase \"{lower}\" }}}}"));
    }

    [Theory]
    [InlineData("foobar", ".", "_", "foobar")]
    [InlineData("foo.bar", ".", "_", "foo_bar")]
    [InlineData("foo.bar.baz", ".", "_", "foo_bar_baz")]
    [InlineData("foo.bar", ".", "", "foobar")]
    [InlineData("foobarbaz", "bar", "_", "foo_baz")]
    [InlineData("abc", "", "-", "-a-b-c-")]
    public void Replace(string input, string find, string with, string expected)
    {
        Assert.Equal(expected, Render($"{{{{ .DisplayName | replace \"{find}\" \"{with}\" }}}}", WithDisplay(input)));
        Assert.Equal(expected, Render($"{{{{ replace \"{find}\" \"{with}\" .DisplayName }}}}", WithDisplay(input)));
    }

    [Fact]
    public void Base64()
    {
        Assert.Equal("Zm9vYmFy", Render("""{{ "foobar" | base64 }}"""));
    }

    [Fact]
    public void Unix_time_and_millis()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_234_567_890_123);
        Assert.Equal("1234567890", Render("{{ unix_time }}", now: now));
        Assert.Equal("1234567890123", Render("{{ unix_time_millis }}", now: now));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(99)]
    public void Random_gives_n_base62_characters(int n)
    {
        var output = UsernameTemplateProgram.Parse($"x{{{{ random {n} }}}}").Render(Iam, DocsTime);
        Assert.Matches($"^x[A-Za-z0-9]{{{n}}}$", output);
    }

    [Fact]
    public void Random_uses_every_base62_character()
    {
        var program = UsernameTemplateProgram.Parse("{{ random 64 }}");
        var seen = string.Concat(Enumerable.Range(0, 200).Select(_ => program.Render(Iam, DocsTime))).ToHashSet();
        Assert.Equal(62, seen.Count);
    }

    [Fact]
    public void Uuid_is_random_hex_in_8_4_4_4_12()
    {
        var program = UsernameTemplateProgram.Parse("{{ uuid }}");
        var a = program.Render(Iam, DocsTime);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", a);
        Assert.NotEqual(a, program.Render(Iam, DocsTime));
    }

    [Theory]
    [InlineData("2006-01-02T15:04:05.000Z", "2009-02-13T23:31:30.000Z")]
    [InlineData("2006-01-02T15:04:05Z07:00", "2009-02-13T23:31:30Z")]
    [InlineData("20060102150405", "20090213233130")]
    [InlineData("Mon Jan _2 15:04:05 MST 2006", "Fri Feb 13 23:31:30 UTC 2009")]
    public void Timestamp_uses_go_layouts(string layout, string expected)
    {
        Assert.Equal(expected, Render($"{{{{ timestamp \"{layout}\" }}}}"));
    }

    [Fact]
    public void Timestamp_keeps_the_offset_of_now()
    {
        var now = DocsTime.ToOffset(TimeSpan.FromHours(5.5));
        Assert.Equal("2009-02-14T05:01:30+05:30", Render("""{{ timestamp "2006-01-02T15:04:05Z07:00" }}""", now: now));
    }

    [Theory]
    [InlineData("""{{ printf "%s-%d-%v-%v" .Type 42 true "x" }}""", "IAM-42-true-x")]
    [InlineData("""{{ printf "100%%" }}""", "100%")]
    [InlineData("""{{ printf "[%5s|%-5s|%05d|%+d|%.3s|%-4d]" "ab" "ab" 42 7 "abcdef" -1 }}""", "[   ab|ab   |00042|+7|abc|-1  ]")]
    [InlineData("""{{ printf "%.0d|%5.3d|%-05d|%08.3d" 0 7 3 5 }}""", "|  007|3    |     005")]
    [InlineData("""{{ printf "%v %v" true 5 }}""", "true 5")]
    [InlineData("""{{ printf "%s" unix_time }}""", "1234567890")]
    [InlineData("""{{ 42 | printf "%d!" }}""", "42!")]
    public void Printf(string template, string expected)
    {
        Assert.Equal(expected, Render(template));
    }

    [Theory]
    [InlineData("""{{ eq .Type "IAM" }}""", "true")]
    [InlineData("""{{ eq .Type "STS" "IAM" }}""", "true")]
    [InlineData("""{{ eq .Type "STS" }}""", "false")]
    [InlineData("""{{ ne .Type "STS" }}""", "true")]
    [InlineData("""{{ not (eq .Type "STS") }}""", "true")]
    [InlineData("""{{ not "" }}""", "true")]
    [InlineData("""{{ and "a" "" "c" }}""", "")]
    [InlineData("""{{ and "a" "b" }}""", "b")]
    [InlineData("""{{ or "" "b" "c" }}""", "b")]
    [InlineData("""{{ or "" "" }}""", "")]
    [InlineData("""{{ or 0 7 }}""", "7")]
    public void Comparisons_and_logic(string template, string expected)
    {
        Assert.Equal(expected, Render(template));
    }

    [Fact]
    public void And_and_or_stop_at_the_deciding_argument()
    {
        // The second argument would fail if it were evaluated: truncate refuses 0.
        Assert.Equal("a", Render("""{{ or "a" (truncate (and 0 1) "x") }}"""));
        Assert.Equal("", Render("""{{ and "" (truncate (and 0 1) "x") }}"""));
    }
}
