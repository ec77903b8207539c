using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Get-AwsCredential: Vault's <c>read aws/creds/:role</c>. Creates credentials in AWS now and returns them with a lease.</summary>
[Cmdlet(VerbsCommon.Get, "AwsCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(AwsCredentialLease))]
public sealed class GetAwsCredentialCommand : CredentialRequestCmdlet
{
    /// <summary>Wait until AWS accepts the new key (sts:GetCallerIdentity): new IAM keys take seconds to propagate.</summary>
    [Parameter]
    public SwitchParameter WaitUntilUsable { get; set; }

    protected override void Process()
    {
        if (IssueRequested("Issue AWS credentials") is not { } issued)
        {
            return;
        }

        if (WaitUntilUsable)
        {
            try
            {
                WaitForUsable(issued);
            }
            catch (DynamicAwsCreds.Engine.EngineException ex)
            {
                // The credentials are issued either way; a timeout still hands them out, with the error.
                WriteEngineError(ex);
            }
        }

        WriteObject(DefaultDisplay.Of(new AwsCredentialLease(issued)));
    }
}
