using System.Management.Automation;
using DynamicAwsCreds.Engine;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>
/// Invoke-WithAwsCredential: issues credentials for a role, waits until AWS accepts a new IAM key (unless -NoWait),
/// sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN only while the script block runs, then
/// restores the environment and revokes the lease — on success, on an error inside the block, on a wait that
/// times out, and when the pipeline is stopped (Ctrl+C, Select-Object -First).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "WithAwsCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(object))]
public sealed class InvokeWithAwsCredentialCommand : CredentialRequestCmdlet
{
    private static readonly string[] Variables = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

    [Parameter(Mandatory = true, Position = 1)]
    public ScriptBlock ScriptBlock { get; set; } = null!;

    [Parameter]
    public object[] ArgumentList { get; set; } = [];

    /// <summary>Run the block as soon as the credentials exist, without waiting for AWS to accept a new IAM key.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Wait until AWS accepts the credentials, STS ones too (sts:GetCallerIdentity), not only a new IAM key.</summary>
    [Parameter]
    public SwitchParameter WaitUntilUsable { get; set; }

    protected override void Process()
    {
        if (NoWait && WaitUntilUsable)
        {
            throw new EngineException("ConflictingParameters", ErrorKind.InvalidArgument, "NoWait",
                "-NoWait and -WaitUntilUsable contradict each other: Invoke-WithAwsCredential waits by default, so drop -WaitUntilUsable, or drop -NoWait to wait.");
        }

        if (IssueRequested("Issue AWS credentials, run the script block with them, then revoke them") is not { } issued)
        {
            return;
        }

        var saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            if (WaitUntilUsable)
            {
                WaitForUsable(issued);
            }
            else if (!NoWait)
            {
                WaitForNewKey(issued, "the script block was not run, and the lease is revoked.");
            }

            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", issued.AccessKeyId);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", issued.SecretAccessKey);
            Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", issued.SessionToken);
            RunBlockStreaming();
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            Revoke(issued.Lease.LeaseId);
        }
    }

    /// <summary>
    /// Runs the block as a steppable pipeline wired to this command's output, so its objects flow downstream
    /// as they are written (as a proxy function's do) rather than after it finishes.
    /// </summary>
    private void RunBlockStreaming()
    {
        var runner = ScriptBlock.Create("param($Block, $Arguments) & $Block @Arguments");
        using var pipeline = runner.GetSteppablePipeline(CommandOrigin.Internal, [ScriptBlock, ArgumentList]);
        pipeline.Begin(this);
        pipeline.End();
    }

    private void Revoke(string leaseId)
    {
        EngineException? failure;
        try
        {
            // Not the cmdlet's token: a stopped pipeline must still revoke.
            failure = Engine.RevokeLeaseAsync(leaseId, force: false, null, CancellationToken.None).GetAwaiter().GetResult().Error;
        }
        catch (EngineException ex)
        {
            failure = ex;
        }

        if (failure is not null)
        {
            try
            {
                WriteWarning($"{failure.Message}");
            }
            catch (Exception)
            {
                // The pipeline is stopping: nothing more can be written.
            }
        }
    }
}
