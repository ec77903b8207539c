using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Update-AwsRootCredential: Vault's <c>aws/config/rotate-root</c>. Replaces the root access key with a new one only this store knows.</summary>
[Cmdlet(VerbsData.Update, "AwsRootCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(AwsRootConfig))]
public sealed class UpdateAwsRootCredentialCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    protected override void Process()
    {
        var current = Engine.GetRootConfig(Path);
        if (!ShouldProcess(current.AccessKey ?? Path, "Create a new root access key, store it, and delete the old one"))
        {
            return;
        }

        WriteObject(new AwsRootConfig(Run((events, ct) => Engine.RotateRootAsync(Path, events, ct), "Rotating the root credentials")));
    }
}
