using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Get-AwsStaticCredential: Vault's <c>aws/static-creds/:name</c>. The static role's current key, rotated first when its period has passed.</summary>
[Cmdlet(VerbsCommon.Get, "AwsStaticCredential")]
[OutputType(typeof(AwsStaticCredential))]
public sealed class GetAwsStaticCredentialCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(StaticRoleNameCompleter))]
    [AllowEmptyString]
    public string Name { get; set; } = string.Empty;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Mount")]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    protected override void Process() =>
        WriteObject(DefaultDisplay.Of(new AwsStaticCredential(Run((events, ct) => Engine.GetStaticCredentialAsync(Path, Name, events, ct), "Getting the key of static role " + Name))));
}
