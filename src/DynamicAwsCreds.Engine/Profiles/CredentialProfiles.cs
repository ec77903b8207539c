using System.Text;
using DynamicAwsCreds.Engine.Roles;

namespace DynamicAwsCreds.Engine.Profiles;

/// <summary>
/// Register-AwsCredentialProfile and Unregister-AwsCredentialProfile: a profile of the AWS config file whose
/// credential_process asks this store for a role's cached credentials. Plans are computed from the file as it is,
/// and writing computes them again, so what is written always starts from what is there.
/// </summary>
internal sealed class CredentialProfiles(EngineContext context, RoleService roles)
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The profile the request would write, checked as <see cref="Register"/> checks it; nothing is written.</summary>
    public RegisteredProfile Plan(ProfileRegistration request) => Edit(request).Profile;

    public RegisteredProfile Register(ProfileRegistration request)
    {
        var (profile, text) = Edit(request);
        Write(profile.ConfigFile, text);
        return profile;
    }

    /// <summary>What Unregister would remove: the whole section (true) or only the lines Register wrote (false).</summary>
    public bool PlanUnregister(string profileName, string? configFile) => Remove(profileName, ConfigFile(configFile)).WholeSection;

    public bool Unregister(string profileName, string? configFile)
    {
        var path = ConfigFile(configFile);
        var (wholeSection, text) = Remove(profileName, path);
        Write(path, text);
        return wholeSection;
    }

    /// <summary>The config file: <paramref name="given"/>, else AWS_CONFIG_FILE, else ~/.aws/config (as the AWS CLI and SDKs find it).</summary>
    public static string ConfigFile(string? given)
    {
        var path = given;
        if (string.IsNullOrEmpty(path))
        {
            path = Environment.GetEnvironmentVariable("AWS_CONFIG_FILE");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(path))
        {
            return Path.Combine(home, ".aws", "config");
        }

        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
        {
            path = home + path[1..];
        }

        return Path.GetFullPath(path);
    }

    private (RegisteredProfile Profile, string Text) Edit(ProfileRegistration request)
    {
        ValidateProfileName(request.ProfileName);
        var role = roles.Get(request.Mount, request.Role);
        var line = CredentialProcessCommand.For(request.Host, context.StoreLocation, role.Mount, role.Name, OperatingSystem.IsWindows());
        var path = ConfigFile(request.ConfigFile);
        var file = AwsConfigFile.Parse(Read(path) ?? "");
        var (created, otherKeys) = file.Register(request.ProfileName, line, request.Force);
        return (new RegisteredProfile(request.ProfileName, path, line, request.Host.Helper is not null, created, otherKeys), file.ToString());
    }

    private static (bool WholeSection, string Text) Remove(string profileName, string path)
    {
        ValidateProfileName(profileName);
        var text = Read(path) ?? throw new EngineException("ProfileNotFound", ErrorKind.ObjectNotFound, path,
            $"The AWS config file '{path}' does not exist, so it has no profile '{profileName}'. Nothing was changed.");
        var file = AwsConfigFile.Parse(text);
        var wholeSection = file.Unregister(profileName);
        return (wholeSection, file.ToString());
    }

    /// <summary>A profile name the config file can hold in a section header: no brackets, no line breaks, no spaces at its ends.</summary>
    private static void ValidateProfileName(string profileName)
    {
        if (profileName.Length == 0 || profileName.Trim() != profileName || profileName.IndexOfAny(['[', ']', '\r', '\n', '#', ';']) >= 0)
        {
            throw new EngineException("InvalidProfileName", ErrorKind.InvalidArgument, profileName,
                $"'{profileName}' cannot be a profile name in the AWS config file: give a name without brackets, '#', ';', line breaks "
                + "or spaces at its ends. Nothing was changed.");
        }
    }

    private static string? Read(string path)
    {
        try
        {
            // Decoded as it is, a byte order mark included, so that it is written back.
            return File.Exists(path) ? new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetString(File.ReadAllBytes(path)) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unavailable(path, "read", ex);
        }
    }

    /// <summary>
    /// Replaces the file's text through a temporary file in its folder and a rename, keeping its mode; through a symbolic
    /// link, the file it points to is the one replaced. A missing file and folder are created owner-only on Unix.
    /// </summary>
    private static void Write(string path, string text)
    {
        try
        {
            var target = File.Exists(path) && new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true) is { } link ? link.FullName : path;
            var folder = Path.GetDirectoryName(target)!;
            if (!Directory.Exists(folder))
            {
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(folder);
                }
                else
                {
                    Directory.CreateDirectory(folder, PrivateFolder);
                }
            }

            var temporary = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():n}.tmp");
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = File.Exists(target) ? File.GetUnixFileMode(target) : PrivateFile;
            }

            try
            {
                using (var stream = new FileStream(temporary, options))
                {
                    var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
                    stream.Write(bytes);
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temporary, target, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unavailable(path, "written", ex);
        }
    }

    private static EngineException Unavailable(string path, string what, Exception ex) =>
        new("ConfigFileUnavailable", ErrorKind.PermissionDenied, path,
            $"The AWS config file '{path}' cannot be {what}: {EngineException.Sentence(ex.Message)} Nothing was changed.", ex);
}

/// <summary>What Register-AwsCredentialProfile is asked for; a null <paramref name="ConfigFile"/> is the AWS default.</summary>
public sealed record ProfileRegistration(string ProfileName, string? Mount, string Role, string? ConfigFile, bool Force, CredentialProcessHost Host);

/// <summary>
/// A profile as Register-AwsCredentialProfile wrote it (or would): the config file, the credential_process line, whether
/// it runs the native helper, whether the section is new, and the credential keys of others that stay beside it.
/// </summary>
public sealed record RegisteredProfile(
    string ProfileName, string ConfigFile, string CredentialProcess, bool UsesHelper, bool Created, IReadOnlyList<string> OtherKeys);
