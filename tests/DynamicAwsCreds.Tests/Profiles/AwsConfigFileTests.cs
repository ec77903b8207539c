using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Profiles;
using Xunit;

namespace DynamicAwsCreds.Tests.Profiles;

/// <summary>The AWS config file edits of Register-/Unregister-AwsCredentialProfile: only their own lines change.</summary>
public sealed class AwsConfigFileTests
{
    private const string Line = "/opt/helper --role dev";

    private static string Register(string text, string profile, bool force = false, string line = Line)
    {
        var file = AwsConfigFile.Parse(text);
        file.Register(profile, line, force);
        return file.ToString();
    }

    private static string Unregister(string text, string profile)
    {
        var file = AwsConfigFile.Parse(text);
        file.Unregister(profile);
        return file.ToString();
    }

    [Fact]
    public void A_new_profile_goes_at_the_end_and_every_other_line_stays()
    {
        const string before = "# my settings\n[default]\nregion = eu-west-1 ; the EU\n\n[profile other]\n; a comment\noutput = json\n";
        var after = Register(before, "dev");
        Assert.StartsWith(before, after);
        Assert.Equal($"\n[profile dev]\n{AwsConfigFile.SectionMarker}\ncredential_process = {Line}\n", after[before.Length..]);
    }

    [Fact]
    public void The_default_profile_is_the_default_section()
    {
        Assert.Contains("[default]\n", Register("", "default"));
        Assert.Contains("[profile default-ish]\n", Register("", "default-ish"));
        var existing = Register("[default]\nregion = us-east-1\n", "default");
        Assert.Single(existing.Split('\n'), l => l == "[default]");
    }

    [Fact]
    public void An_empty_file_gets_no_leading_blank_line()
    {
        Assert.Equal($"[profile dev]\n{AwsConfigFile.SectionMarker}\ncredential_process = {Line}\n", Register("", "dev"));
    }

    [Fact]
    public void CRLF_files_stay_CRLF_and_a_last_line_without_ending_gets_one()
    {
        const string before = "[profile other]\r\nregion = us-east-1";
        var after = Register(before, "dev");
        Assert.Equal($"[profile other]\r\nregion = us-east-1\r\n\r\n[profile dev]\r\n{AwsConfigFile.SectionMarker}\r\ncredential_process = {Line}\r\n", after);
        Assert.DoesNotContain("\n", after.Replace("\r\n", "", StringComparison.Ordinal));
    }

    [Fact]
    public void A_byte_order_mark_stays_and_does_not_hide_the_first_section()
    {
        const string before = "\uFEFF[profile dev]\nregion = x\n";
        var after = Register(before, "dev");
        Assert.Equal($"\uFEFF[profile dev]\nregion = x\n{AwsConfigFile.LineMarker}\ncredential_process = {Line}\n", after);
        Assert.Equal(before, Unregister(after, "dev"));
    }

    [Fact]
    public void Registering_again_updates_in_place()
    {
        const string before = "[profile a]\nregion = x\n";
        var once = Register(before, "dev");
        var twice = Register(once + "[profile z]\noutput = text\n", "dev", line: "/new/helper --role ops");
        Assert.Equal(once.Replace(Line, "/new/helper --role ops", StringComparison.Ordinal) + "[profile z]\noutput = text\n", twice);
    }

    [Fact]
    public void Region_and_other_settings_of_an_existing_section_do_not_stop_it_and_stay()
    {
        const string before = "[profile dev]\nregion = us-east-1\n\n[profile z]\n";
        var after = Register(before, "dev");
        Assert.Equal($"[profile dev]\nregion = us-east-1\n{AwsConfigFile.LineMarker}\ncredential_process = {Line}\n\n[profile z]\n", after);
        Assert.Equal(before, Unregister(after, "dev"));
    }

    [Theory]
    [InlineData("credential_process = /other/tool", "credential_process")]
    [InlineData("aws_access_key_id = AKIDEXAMPLE", "aws_access_key_id")]
    [InlineData("role_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base", "role_arn, source_profile")]
    [InlineData("credential_source = Ec2InstanceMetadata", "credential_source")]
    [InlineData("sso_session = corp\nsso_account_id = 123456789012", "sso_session, sso_account_id")]
    public void Credentials_it_did_not_write_are_refused_naming_them(string settings, string named)
    {
        var before = $"[profile dev]\n{settings}\n";
        var error = Assert.Throws<EngineException>(() => Register(before, "dev"));
        Assert.Equal("ProfileHasCredentials", error.Reason);
        Assert.Equal(ErrorKind.ResourceExists, error.Kind);
        Assert.Contains($"({named})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Force_replaces_only_credential_process_and_names_the_keys_that_stay()
    {
        const string before = "[profile dev]\naws_access_key_id = AKIDEXAMPLE\ncredential_process = /other/tool\nregion = x\n";
        var file = AwsConfigFile.Parse(before);
        var (created, others) = file.Register("dev", Line, force: true);
        Assert.False(created);
        Assert.Equal(["aws_access_key_id"], others);
        Assert.Equal($"[profile dev]\naws_access_key_id = AKIDEXAMPLE\n{AwsConfigFile.LineMarker}\ncredential_process = {Line}\nregion = x\n", file.ToString());
        Assert.Equal("[profile dev]\naws_access_key_id = AKIDEXAMPLE\nregion = x\n", Unregister(file.ToString(), "dev"));
    }

    [Fact]
    public void Force_adds_a_line_after_the_sections_last_setting_when_it_has_none()
    {
        const string before = "[profile dev]\naws_access_key_id = AKIDEXAMPLE\n\n\n[profile z]\n";
        var after = Register(before, "dev", force: true);
        Assert.Equal($"[profile dev]\naws_access_key_id = AKIDEXAMPLE\n{AwsConfigFile.LineMarker}\ncredential_process = {Line}\n\n\n[profile z]\n", after);
        Assert.Equal(before, Unregister(after, "dev"));
    }

    [Fact]
    public void Unregister_of_a_section_it_created_gives_back_the_file_as_it_was()
    {
        const string before = "# top\n[default]\nregion = eu-west-1\n";
        Assert.Equal(before, Unregister(Register(before, "dev"), "dev"));
        const string crlf = "[default]\r\nregion = eu-west-1\r\n";
        Assert.Equal(crlf, Unregister(Register(crlf, "dev"), "dev"));
        Assert.Equal("", Unregister(Register("", "dev"), "dev"));
    }

    [Fact]
    public void Unregister_of_a_section_with_profiles_added_after_it_keeps_one_blank_line_between_them()
    {
        var registered = Register("[profile a]\nregion = x\n", "dev") + "\n[profile z]\noutput = json\n";
        Assert.Equal("[profile a]\nregion = x\n\n[profile z]\noutput = json\n", Unregister(registered, "dev"));
    }

    [Fact]
    public void Unregister_keeps_what_others_added_to_its_section_and_other_profiles()
    {
        var registered = Register("[profile a]\nregion = x\n", "dev");
        var edited = registered.Replace("[profile dev]\n", "[profile dev]\nregion = us-west-2\n", StringComparison.Ordinal) + "[profile b]\noutput = json\n";
        Assert.Equal("[profile a]\nregion = x\n\n[profile dev]\nregion = us-west-2\n[profile b]\noutput = json\n", Unregister(edited, "dev"));
    }

    [Fact]
    public void Unregister_refuses_profiles_it_did_not_write_and_missing_ones()
    {
        Assert.Equal("ProfileNotRegistered", Assert.Throws<EngineException>(() => Unregister("[profile dev]\ncredential_process = x\n", "dev")).Reason);
        Assert.Equal("ProfileNotFound", Assert.Throws<EngineException>(() => Unregister("[profile other]\n", "dev")).Reason);
    }

    [Fact]
    public void Section_names_match_as_the_AWS_config_file_spells_them()
    {
        var after = Register("[profile   dev ]\nregion = x\n[profile dev2]\n[dev]\n", "dev");
        Assert.StartsWith($"[profile   dev ]\nregion = x\n{AwsConfigFile.LineMarker}\n", after, StringComparison.Ordinal);
        Assert.EndsWith("[profile dev2]\n[dev]\n", after, StringComparison.Ordinal);
    }

    [Fact]
    public void Indented_sub_settings_are_not_keys()
    {
        // An s3 block's nested lines are part of the s3 setting; they neither count as credentials nor end the section.
        const string before = "[profile dev]\ns3 =\n  aws_access_key_id = nested\n";
        Assert.Contains(AwsConfigFile.LineMarker, Register(before, "dev"), StringComparison.Ordinal);
    }
}
