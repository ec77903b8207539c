using DynamicAwsCreds.Engine.Profiles;

namespace DynamicAwsCreds;

/// <summary>A profile Register-AwsCredentialProfile wrote: where, the credential_process line, and whether it runs the native helper.</summary>
public sealed class AwsCredentialProfile
{
    internal AwsCredentialProfile(RegisteredProfile p)
    {
        ProfileName = p.ProfileName;
        ConfigFile = p.ConfigFile;
        CredentialProcess = p.CredentialProcess;
        UsesHelper = p.UsesHelper;
    }

    public string ProfileName { get; }
    public string ConfigFile { get; }
    public string CredentialProcess { get; }

    /// <summary>True when the line runs the module's native helper (a cache hit without starting PowerShell), false when it runs PowerShell.</summary>
    public bool UsesHelper { get; }

    public override string ToString() => ProfileName;
}
