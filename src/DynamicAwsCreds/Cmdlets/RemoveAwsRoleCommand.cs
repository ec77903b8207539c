using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Remove-AwsRole: deletes a role; with -RevokeLeases, revokes its leases first.</summary>
[Cmdlet(VerbsCommon.Remove, "AwsRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RevokeLeaseResult))]
public sealed class RemoveAwsRoleCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    [AllowEmptyString]
    public string Name { get; set; } = string.Empty;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Mount")]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    [Parameter]
    public SwitchParameter RevokeLeases { get; set; }

    [Parameter]
    [ThrottleLimit]
    public int ThrottleLimit { get; set; } = 8;

    protected override void Process()
    {
        var role = Engine.GetRole(Path, Name);
        if (!ShouldProcess($"{role.Mount}/roles/{role.Name}", RevokeLeases ? "Revoke the role's leases and remove the role" : "Remove AWS role"))
        {
            return;
        }

        if (RevokeLeases)
        {
            var prefix = Engine.LeasePrefix(role.Mount, role.Name);
            var leases = Engine.ListLeases(prefix);
            var summary = Run((events, ct) => Engine.RevokeLeasesAsync(leases, ThrottleLimit, force: false, events, ct), "Revoking leases of " + role.Name);
            foreach (var failure in summary.Outcomes.Where(o => o.Error is not null))
            {
                WriteEngineError(failure.Error!);
            }

            WriteObject(new RevokeLeaseResult(prefix, summary));
            if (summary.Failed > 0)
            {
                WriteWarning($"Role '{role.Name}' was kept because {summary.Failed} of its leases could not be revoked. {summary.FailureCause()}");
                return;
            }
        }

        Engine.RemoveRole(Path, Name);
    }
}
