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

    protected override void Process()
    {
        var config = Engine.GetRootConfig(Path);
        if (config.EndpointProblem is { } problem)
        {
            WriteWarning(problem);
        }

        WriteObject(new AwsRootConfig(config));
    }
}
