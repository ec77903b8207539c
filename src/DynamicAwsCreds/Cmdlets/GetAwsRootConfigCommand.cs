using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Get-AwsRootConfig: the root config of a mount, everything but the secret.</summary>
[Cmdlet(VerbsCommon.Get, "AwsRootConfig")]
[OutputType(typeof(AwsRootConfig))]
public sealed class GetAwsRootConfigCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    protected override void Process() => WriteObject(new AwsRootConfig(Engine.GetRootConfig(Path)));
}
