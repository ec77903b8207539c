using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Get-AwsLeaseConfig: the iam_user lease duration and maximum in force for a mount, and where they come from.</summary>
[Cmdlet(VerbsCommon.Get, "AwsLeaseConfig")]
[OutputType(typeof(AwsLeaseConfig))]
public sealed class GetAwsLeaseConfigCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    protected override void Process()
    {
        var mount = Engine.GetMount(Path);
        var record = Engine.GetLeaseConfig(mount.Path);
        WriteObject(new AwsLeaseConfig(mount.Path, record?.Lease, record?.LeaseMax, new SecretsEngine(mount)));
    }
}
