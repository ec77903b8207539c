using System.Management.Automation;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Profiles;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>
/// Register-AwsCredentialProfile: writes a profile of the AWS config file whose credential_process hands out the
/// role's cached credentials from the store in force now: through the module's native helper where this platform
/// has one, else through PowerShell. Every other line of the file stays as it was.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "AwsCredentialProfile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(AwsCredentialProfile))]
public sealed class RegisterAwsCredentialProfileCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("Profile")]
    [AllowEmptyString]
    public string ProfileName { get; set; } = string.Empty;

    [Parameter(Mandatory = true, Position = 1)]
    [Alias("Name", "RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    [AllowEmptyString]
    public string Role { get; set; } = string.Empty;

    [Parameter]
    [Alias("Path")]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Mount { get; set; } = "aws";

    /// <summary>The AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config).</summary>
    [Parameter]
    public string? ConfigFile { get; set; }

    /// <summary>Replace the credential_process of a profile that already has credentials this cmdlet did not write.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        var request = new ProfileRegistration(ProfileName, Mount, Role,
            ConfigFile is null ? null : GetUnresolvedProviderPathFromPSPath(ConfigFile), Force, ModuleHost.For(this));
        var plan = Engine.PlanProfile(request);
        if (!ShouldProcess(plan.ConfigFile, $"{(plan.Created ? "Add" : "Update")} profile '{plan.ProfileName}' with credential_process = {plan.CredentialProcess}"))
        {
            return;
        }

        var written = Engine.RegisterProfile(request);
        if (written.OtherKeys.Count > 0)
        {
            WriteWarning($"Profile '{written.ProfileName}' keeps credential settings this cmdlet did not write ({string.Join(", ", written.OtherKeys)}); "
                + "the AWS CLI and SDKs may use them instead of its credential_process.");
        }

        WriteObject(new AwsCredentialProfile(written));
    }
}
