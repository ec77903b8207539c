using System.Management.Automation;
using DynamicAwsCreds.Engine.Issue;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Get-AwsCredential: Vault's <c>read aws/creds/:role</c>. Creates credentials in AWS now and returns them with a lease.</summary>
[Cmdlet(VerbsCommon.Get, "AwsCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(AwsCredentialLease))]
public sealed class GetAwsCredentialCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    [AllowEmptyString]
    public string Role { get; set; } = string.Empty;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Mount")]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    [Parameter]
    [DurationTransform]
    public Duration? Ttl { get; set; }

    /// <summary>assumed_role: which of the role's ARNs to assume when it lists several.</summary>
    [Parameter]
    [Alias("role_arn")]
    public string? RoleArn { get; set; }

    [Parameter]
    [Alias("role_session_name")]
    public string? RoleSessionName { get; set; }

    /// <summary>session_token (and assumed_role with an MFA serial): the current MFA code.</summary>
    [Parameter]
    [Alias("mfa_code")]
    public string? MfaCode { get; set; }

    /// <summary>Return only once AWS accepts the new key (sts:GetCallerIdentity), as new IAM keys take seconds to propagate.</summary>
    [Parameter]
    public SwitchParameter WaitUntilUsable { get; set; }

    /// <summary>How long -WaitUntilUsable waits (default 30s).</summary>
    [Parameter]
    [DurationTransform]
    public Duration? Timeout { get; set; }

    protected override void Process()
    {
        var ttl = Ttl?.Resolve(nameof(Ttl));
        var timeout = Timeout?.Resolve(nameof(Timeout)) ?? TimeSpan.FromSeconds(30);
        if (!ShouldProcess(Role, "Issue AWS credentials"))
        {
            return;
        }

        var issued = Run((events, ct) => Engine.IssueCredentialAsync(Path, Role, ttl, new StsOptions(RoleArn, RoleSessionName, MfaCode), events, ct), "Issuing AWS credentials");
        if (WaitUntilUsable)
        {
            // The credentials are issued either way; a timeout still hands them out, with the error.
            try
            {
                Run((events, ct) => Engine.WaitUntilUsableAsync(Path, issued, timeout, events, ct), "Waiting for AWS to accept the new key");
            }
            catch (DynamicAwsCreds.Engine.EngineException ex)
            {
                WriteEngineError(ex);
            }
        }

        WriteObject(new AwsCredentialLease(issued));
    }
}
