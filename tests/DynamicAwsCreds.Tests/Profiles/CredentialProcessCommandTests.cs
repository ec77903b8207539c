using System.Diagnostics;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Profiles;
using Xunit;

namespace DynamicAwsCreds.Tests.Profiles;

/// <summary>The credential_process line: what it runs, and quoting that each reader splits back into the same words.</summary>
public sealed class CredentialProcessCommandTests
{
    public static readonly TheoryData<string> Words = new()
    {
        "/home/me/.local/share/DynamicAwsCreds/store.db",
        "/home/me/My Modules/DynamicAwsCreds/native/linux-x64/dynamicawscreds-credential-process",
        "/tmp/it's here/store.db",
        "/tmp/$HOME and `x` and \"q\" and \\b/store.db",
        "Set-Item Env:DYNAMICAWSCREDS_STORE '/a b/store.db';Import-Module '/m/x.psd1'",
        "dynamodb://team-store?region=us-east-1&endpoint=http://127.0.0.1:8000",
        "",
    };

    [Fact]
    public void The_helper_is_run_with_role_mount_store_and_pwsh()
    {
        var host = new CredentialProcessHost("/m/native/linux-x64/dynamicawscreds-credential-process", "/m/DynamicAwsCreds.psd1", "/opt/pwsh/pwsh");
        Assert.Equal("/m/native/linux-x64/dynamicawscreds-credential-process --role dev --mount aws --store /s/store.db --pwsh /opt/pwsh/pwsh",
            CredentialProcessCommand.For(host, "/s/store.db", "aws", "dev", windows: false));
    }

    [Fact]
    public void Without_a_helper_PowerShell_exports_from_the_pinned_store()
    {
        var host = new CredentialProcessHost(null, "/m/DynamicAwsCreds.psd1", "/opt/pwsh/pwsh");
        Assert.Equal("/opt/pwsh/pwsh -NoProfile -NonInteractive -Command \"Set-Item Env:DYNAMICAWSCREDS_STORE '/s/store.db';"
            + "Import-Module '/m/DynamicAwsCreds.psd1';Export-AwsCredential -Role 'dev' -Mount 'team/aws' -Cache -Format CredentialProcess\"",
            CredentialProcessCommand.For(host, "/s/store.db", "team/aws", "dev", windows: false));
    }

    [Fact]
    public void On_Windows_the_script_goes_encoded_so_only_the_program_is_quoted()
    {
        var host = new CredentialProcessHost(null, "C:\\Users\\me\\Modules\\DynamicAwsCreds.psd1", "C:\\Program Files\\PowerShell\\7\\pwsh.exe");
        var line = CredentialProcessCommand.For(host, "C:\\Users\\me\\My Store\\store.db", "aws", "dev", windows: true);
        const string start = "\"C:\\Program Files\\PowerShell\\7\\pwsh.exe\" -NoProfile -NonInteractive -EncodedCommand ";
        Assert.StartsWith(start, line, StringComparison.Ordinal);
        Assert.Equal(2, line.Count(c => c == '"'));
        Assert.Equal(CredentialProcessCommand.Script(host.ModuleManifest, "C:\\Users\\me\\My Store\\store.db", "aws", "dev"),
            System.Text.Encoding.Unicode.GetString(Convert.FromBase64String(line[start.Length..])));
    }

    [Fact]
    public void A_pwsh_dll_is_run_by_dotnet()
    {
        var host = new CredentialProcessHost(null, "/m/DynamicAwsCreds.psd1", "/tools/pwsh/pwsh.dll", "/usr/share/dotnet/dotnet");
        Assert.StartsWith("/usr/share/dotnet/dotnet /tools/pwsh/pwsh.dll -NoProfile", CredentialProcessCommand.For(host, "/s", "aws", "dev", windows: false), StringComparison.Ordinal);
    }

    [Fact]
    public void PowerShell_strings_double_every_kind_of_single_quote()
    {
        Assert.Equal("'it''s ‘‘’’'", CredentialProcessCommand.PowerShellString("it's ‘’"));
    }

    [Fact]
    public void A_space_before_a_comment_character_is_refused()
    {
        var host = new CredentialProcessHost(null, "/m/DynamicAwsCreds.psd1", "/opt/pwsh/pwsh");
        var error = Assert.Throws<EngineException>(() => CredentialProcessCommand.For(host, "/data/team #1/store.db", "aws", "dev", windows: false));
        Assert.Equal("CredentialProcessNotPortable", error.Reason);
    }

    [Theory]
    [MemberData(nameof(Words))]
    public void Posix_quoting_reads_back_the_same_through_sh(string word)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // As AWSSDK.Core, the Go, Java and JavaScript SDKs run it: sh -c <line>.
        var line = CredentialProcessCommand.Join(["printf", "[%s]", word], windows: false);
        Assert.Equal($"[{word}]", Run("sh", "-c", line));
    }

    [Theory]
    [MemberData(nameof(Words))]
    public void Posix_quoting_reads_back_the_same_through_shlex(string word)
    {
        if (OperatingSystem.IsWindows() || Which("python3") is null)
        {
            return;
        }

        // As the AWS CLI splits it on Linux and macOS (botocore's compat_shell_split is shlex.split there).
        var line = CredentialProcessCommand.Join(["x", word, "y"], windows: false);
        Assert.Equal($"x\n{word}\ny", Run("python3", "-c", "import shlex,sys; sys.stdout.write('\\n'.join(shlex.split(sys.argv[1])))", line));
    }

    [Theory]
    [MemberData(nameof(Words))]
    public void Windows_quoting_reads_back_the_same_by_the_C_runtime_rules(string word)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // Outside Windows, .NET splits ProcessStartInfo.Arguments by the C runtime's rules, as CommandLineToArgvW does.
        var start = new ProcessStartInfo("printf", "[%s] " + CredentialProcessCommand.Join([word, "y"], windows: true))
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal($"[{word}][y]", output);
    }

    [Fact]
    public void Plain_words_stay_bare_and_spaces_get_double_quotes()
    {
        Assert.Equal("/a/b --role dev", CredentialProcessCommand.Join(["/a/b", "--role", "dev"], windows: false));
        Assert.Equal("\"/a b/c\"", CredentialProcessCommand.QuotePosix("/a b/c"));
        Assert.Equal("'/a $b'", CredentialProcessCommand.QuotePosix("/a $b"));
        Assert.Equal("\"C:\\Program Files\\x\\\\\"", CredentialProcessCommand.QuoteWindows("C:\\Program Files\\x\\"));
        Assert.Equal("C:\\a\\b", CredentialProcessCommand.QuoteWindows("C:\\a\\b"));
        Assert.Equal("\"dynamodb://t?region=us-east-1&endpoint=http://127.0.0.1:8000\"",
            CredentialProcessCommand.QuoteWindows("dynamodb://t?region=us-east-1&endpoint=http://127.0.0.1:8000"));
    }

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
