using System.Management.Automation;
using DynamicAwsCreds.Engine;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>
/// Unregister-AwsCredentialProfile: removes from the AWS config file what Register-AwsCredentialProfile wrote for a
/// profile: the whole section when it created it (and nothing else was added since), else only its own lines.
/// </summary>
[Cmdlet(VerbsLifecycle.Unregister, "AwsCredentialProfile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class UnregisterAwsCredentialProfileCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Profile")]
    [AllowEmptyString]
    public string ProfileName { get; set; } = string.Empty;

    /// <summary>The AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ConfigFile { get; set; }

    protected override void Process()
    {
        var path = CredsEngine.ResolveConfigFile(ConfigFile is null ? null : GetUnresolvedProviderPathFromPSPath(ConfigFile));
        var wholeSection = Engine.PlanUnregisterProfile(ProfileName, path);
        if (!ShouldProcess(path, wholeSection
                ? $"Remove profile '{ProfileName}'"
                : $"Remove the credential_process that Register-AwsCredentialProfile wrote in profile '{ProfileName}'"))
        {
            return;
        }

        Engine.UnregisterProfile(ProfileName, path);
    }
}
