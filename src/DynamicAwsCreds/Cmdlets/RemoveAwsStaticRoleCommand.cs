using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Remove-AwsStaticRole: forgets a static role. The IAM user and its current access key stay as they are.</summary>
[Cmdlet(VerbsCommon.Remove, "AwsStaticRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class RemoveAwsStaticRoleCommand : DynamicAwsCredsCmdlet
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

    protected override void Process()
    {
        var role = Engine.GetStaticRole(Path, Name);
        if (!ShouldProcess($"{role.Mount}/static-roles/{role.Name}", $"Remove static role (IAM user '{role.UserName}' and its key {role.AccessKeyId} stay)"))
        {
            return;
        }

        Engine.RemoveStaticRole(role.Mount, role.Name);
    }
}
