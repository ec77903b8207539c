using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>
/// Set-AwsStaticRole: Vault's <c>aws/static-roles/:name</c>. Takes the access key of an existing IAM user into the
/// module's management (its first managed key is made at once), or changes the rotation period of a static role.
/// </summary>
[Cmdlet(VerbsCommon.Set, "AwsStaticRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(AwsStaticRole))]
public sealed class SetAwsStaticRoleCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(StaticRoleNameCompleter))]
    [AllowEmptyString]
    public string Name { get; set; } = string.Empty;

    /// <summary>Vault's <c>username</c> needs no alias: parameter names ignore case.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string UserName { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("rotation_period")]
    [DurationTransform]
    public Duration RotationPeriod { get; set; } = null!;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Mount")]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var period = RotationPeriod.Resolve(nameof(RotationPeriod));
        // Validated before -WhatIf returns, so it reports bad input as a real run would.
        Engine.CheckStaticRole(Path, Name, UserName, period);
        if (!ShouldProcess($"{Path}/static-roles/{Name}", $"Manage the access key of IAM user '{UserName}', rotated every {DynamicAwsCreds.Engine.Durations.Format(period)}"))
        {
            return;
        }

        var role = Run((events, ct) => Engine.SetStaticRoleAsync(Path, Name, UserName, period, events, ct), "Setting static role " + Name);
        if (PassThru)
        {
            WriteObject(new AwsStaticRole(role));
        }
    }
}
