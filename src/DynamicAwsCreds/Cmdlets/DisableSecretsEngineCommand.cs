using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Disable-SecretsEngine: Vault's <c>secrets disable</c>. Revokes every lease under the path, then removes its config and roles.</summary>
[Cmdlet(VerbsLifecycle.Disable, "SecretsEngine", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RevokeLeaseResult))]
public sealed class DisableSecretsEngineCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    [AllowEmptyString]
    public string Path { get; set; } = string.Empty;

    /// <summary>Forget leases whose AWS cleanup fails (warning with each orphaned IAM user) instead of stopping.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ThrottleLimit]
    public int ThrottleLimit { get; set; } = 8;

    protected override void Process()
    {
        var mount = Engine.GetMount(Path);
        var count = Engine.CountMountLeases(mount.Path);
        if (!ShouldProcess(mount.Path, $"Revoke {count} lease(s), delete their IAM users, and remove the secrets engine with its config and roles"))
        {
            return;
        }

        var summary = Run((events, ct) => Engine.DisableMountAsync(mount.Path, ThrottleLimit, Force, events, ct), "Disabling " + mount.Path);
        WriteObject(new RevokeLeaseResult(mount.Path, summary));
    }
}
