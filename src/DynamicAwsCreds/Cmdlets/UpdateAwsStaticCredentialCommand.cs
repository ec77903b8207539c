using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>
/// Update-AwsStaticCredential: rotates a static role's key now; with -Due, every static role whose period has passed
/// (for a scheduled job, as Revoke-Lease -Expired), writing a summary and an error for each role that failed.
/// </summary>
[Cmdlet(VerbsData.Update, "AwsStaticCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(AwsStaticRole), ParameterSetName = [ByNameSet])]
[OutputType(typeof(StaticRotationResult), ParameterSetName = [DueSet])]
public sealed class UpdateAwsStaticCredentialCommand : DynamicAwsCredsCmdlet
{
    private const string ByNameSet = "ByName";
    private const string DueSet = "Due";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ByNameSet)]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(StaticRoleNameCompleter))]
    [AllowEmptyString]
    public string Name { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ParameterSetName = DueSet)]
    public SwitchParameter Due { get; set; }

    /// <summary>The mount; with -Due and no -Path, every mount.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Mount")]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string? Path { get; set; }

    protected override void Process()
    {
        if (ParameterSetName == DueSet)
        {
            if (!ShouldProcess(Path ?? "every mount", "Rotate the key of every static role whose rotation period has passed"))
            {
                return;
            }

            var summary = Run((events, ct) => Engine.RotateDueStaticCredentialsAsync(Path, events, ct), "Rotating due static roles");
            foreach (var failure in summary.Outcomes.Where(o => o.Error is not null))
            {
                WriteEngineError(failure.Error!);
            }

            WriteObject(new StaticRotationResult(summary));
            return;
        }

        var role = Engine.GetStaticRole(Path, Name);
        if (!ShouldProcess($"{role.Mount}/static-roles/{role.Name}", $"Create a new access key for IAM user '{role.UserName}', store it, and delete {role.AccessKeyId}"))
        {
            return;
        }

        WriteObject(new AwsStaticRole(Run((events, ct) => Engine.RotateStaticCredentialAsync(role.Mount, role.Name, events, ct), "Rotating static role " + role.Name)));
    }
}
