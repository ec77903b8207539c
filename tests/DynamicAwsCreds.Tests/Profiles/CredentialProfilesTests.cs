using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Profiles;
using DynamicAwsCreds.Tests.Engine;
using Xunit;

namespace DynamicAwsCreds.Tests.Profiles;

/// <summary>Register/Unregister through the engine: the role must exist, the file is created owner-only, a plan writes nothing.</summary>
public sealed class CredentialProfilesTests : IDisposable
{
    private readonly TempStore _temp = new();
    private readonly CredsEngine _engine;
    private readonly string _config;
    private readonly CredentialProcessHost _host = new(null, "/m/DynamicAwsCreds.psd1", "/opt/pwsh/pwsh");

    public CredentialProfilesTests()
    {
        _engine = new CredsEngine(_temp.StorePath);
        _engine.EnableMount("aws", null, null, null, null);
        _engine.SetRole(null, "dev", new RoleInput { PolicyArns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"] });
        _config = Path.Combine(_temp.Folder, "new folder", "aws config");
    }

    private ProfileRegistration Request(string role = "dev", string? mount = null) => new("dev", mount, role, _config, false, _host);

    [Fact]
    public void A_missing_file_and_folder_are_created_owner_only()
    {
        var written = _engine.RegisterProfile(Request());
        Assert.Equal(_config, written.ConfigFile);
        Assert.True(written.Created);
        Assert.False(written.UsesHelper);
        Assert.Contains($"Set-Item Env:DYNAMICAWSCREDS_STORE '{_engine.StorePath}'", written.CredentialProcess, StringComparison.Ordinal);
        Assert.Equal($"[profile dev]\n{AwsConfigFile.SectionMarker}\ncredential_process = {written.CredentialProcess}\n", File.ReadAllText(_config).ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_config));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(_config)!));
        }
    }

    [Fact]
    public void An_existing_file_keeps_its_mode_and_a_plan_writes_nothing()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_config)!);
        File.WriteAllText(_config, "[default]\r\nregion = us-east-1\r\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_config, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        }

        var plan = _engine.PlanProfile(Request());
        Assert.True(plan.Created);
        Assert.Equal("[default]\r\nregion = us-east-1\r\n", File.ReadAllText(_config));
        _engine.RegisterProfile(Request());
        Assert.StartsWith("[default]\r\nregion = us-east-1\r\n\r\n[profile dev]\r\n", File.ReadAllText(_config), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(_config));
        }

        var registered = File.ReadAllText(_config);
        Assert.True(_engine.PlanUnregisterProfile("dev", _config));
        Assert.Equal(registered, File.ReadAllText(_config));
        Assert.True(_engine.UnregisterProfile("dev", _config));
        Assert.Equal("[default]\r\nregion = us-east-1\r\n", File.ReadAllText(_config));
    }

    [Fact]
    public void A_file_with_a_byte_order_mark_comes_back_byte_for_byte()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_config)!);
        byte[] before = [0xEF, 0xBB, 0xBF, .. "[default]\nregion = x\n"u8];
        File.WriteAllBytes(_config, before);
        _engine.RegisterProfile(Request());
        Assert.Equal(before, File.ReadAllBytes(_config)[..before.Length]);
        _engine.UnregisterProfile("dev", _config);
        Assert.Equal(before, File.ReadAllBytes(_config));
    }

    [Fact]
    public void A_role_or_mount_that_does_not_exist_writes_nothing()
    {
        Assert.Equal("RoleNotFound", Assert.Throws<EngineException>(() => _engine.RegisterProfile(Request(role: "nope"))).Reason);
        Assert.Equal("MountNotFound", Assert.Throws<EngineException>(() => _engine.RegisterProfile(Request(mount: "elsewhere"))).Reason);
        Assert.False(File.Exists(_config));
        Assert.False(Directory.Exists(Path.GetDirectoryName(_config)));
    }

    [Fact]
    public void Through_a_symbolic_link_the_file_it_names_is_written()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var real = Path.Combine(_temp.Folder, "real-config");
        Directory.CreateDirectory(_temp.Folder);
        File.WriteAllText(real, "[default]\n");
        var link = Path.Combine(_temp.Folder, "link-config");
        File.CreateSymbolicLink(link, real);
        _engine.RegisterProfile(Request() with { ConfigFile = link });
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Contains("[profile dev]", File.ReadAllText(real), StringComparison.Ordinal);
    }

    [Fact]
    public void The_config_file_defaults_to_AWS_CONFIG_FILE()
    {
        Assert.Equal(Path.GetFullPath("/x/y"), CredsEngine.ResolveConfigFile("/x/y"));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, "a", "b"), CredsEngine.ResolveConfigFile("~/a/b").Replace('\\', Path.DirectorySeparatorChar));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a]b")]
    [InlineData(" dev")]
    [InlineData("a\nb")]
    public void Profile_names_a_section_header_cannot_hold_are_refused(string name)
    {
        Assert.Equal("InvalidProfileName", Assert.Throws<EngineException>(() => _engine.RegisterProfile(Request() with { ProfileName = name })).Reason);
        Assert.False(File.Exists(_config));
    }

    public void Dispose()
    {
        _engine.Dispose();
        _temp.Dispose();
    }
}
