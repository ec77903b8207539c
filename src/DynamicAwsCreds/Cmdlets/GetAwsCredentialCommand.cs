using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Get-AwsCredential: Vault's <c>read aws/creds/:role</c>. Creates credentials in AWS now and returns them with a lease.</summary>
[Cmdlet(VerbsCommon.Get, "AwsCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(AwsCredentialLease))]
public sealed class GetAwsCredentialCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public string Role { get; set; } = string.Empty;

    [Parameter]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    [Parameter]
    [DurationTransform]
    public Duration? Ttl { get; set; }

    protected override void Process()
    {
        var ttl = Ttl?.Resolve(nameof(Ttl));
        if (!ShouldProcess(Role, "Issue AWS credentials"))
        {
            return;
        }

        var issued = Run((events, ct) => Engine.IssueCredentialAsync(Path, Role, ttl, events, ct), "Issuing AWS credentials");
        WriteObject(new AwsCredentialLease(issued));
    }
}
