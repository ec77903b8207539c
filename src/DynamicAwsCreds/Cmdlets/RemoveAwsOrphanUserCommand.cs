using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Remove-AwsOrphanUser: deletes orphaned IAM users (from Get-AwsOrphanUser) with the full revoke sequence.</summary>
[Cmdlet(VerbsCommon.Remove, "AwsOrphanUser", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
public sealed class RemoveAwsOrphanUserCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public string[] UserName { get; set; } = [];

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    protected override void Process()
    {
        foreach (var name in UserName)
        {
            try
            {
                if (ShouldProcess(name, "Delete orphaned IAM user and everything attached to it"))
                {
                    var outcome = Run((events, ct) => Engine.RemoveOrphanUserAsync(Path, name, events, ct), "Removing " + name);
                    WriteVerbose($"{name}: {outcome.Status}");
                }
            }
            catch (DynamicAwsCreds.Engine.EngineException ex)
            {
                WriteEngineError(ex);
            }
        }
    }
}
