using System.Management.Automation;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Issue;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>
/// Invoke-WithAwsCredential: issues credentials for a role, sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
/// AWS_SESSION_TOKEN only while the script block runs, then restores the environment and revokes the lease —
/// on success, on an error inside the block, and when the pipeline is stopped (Ctrl+C, Select-Object -First).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "WithAwsCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(object))]
public sealed class InvokeWithAwsCredentialCommand : DynamicAwsCredsCmdlet
{
    private static readonly string[] Variables = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

    [Parameter(Mandatory = true, Position = 0)]
    [Alias("Name", "RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    [AllowEmptyString]
    public string Role { get; set; } = string.Empty;

    [Parameter(Mandatory = true, Position = 1)]
    public ScriptBlock ScriptBlock { get; set; } = null!;

    [Parameter]
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

    /// <summary>Wait until AWS accepts the new key before running the block.</summary>
    [Parameter]
    public SwitchParameter WaitUntilUsable { get; set; }

    /// <summary>How long -WaitUntilUsable waits (default 30s).</summary>
    [Parameter]
    [DurationTransform]
    public Duration? Timeout { get; set; }

    [Parameter]
    public object[] ArgumentList { get; set; } = [];

    protected override void Process()
    {
        var ttl = Ttl?.Resolve(nameof(Ttl));
        var timeout = Timeout?.Resolve(nameof(Timeout)) ?? TimeSpan.FromSeconds(30);
        if (!ShouldProcess(Role, "Issue AWS credentials, run the script block with them, then revoke them"))
        {
            return;
        }

        var issued = Run((events, ct) => Engine.IssueCredentialAsync(Path, Role, ttl, new StsOptions(RoleArn, RoleSessionName, MfaCode), events, ct), "Issuing AWS credentials");
        var saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            if (WaitUntilUsable)
            {
                Run((events, ct) => Engine.WaitUntilUsableAsync(Path, issued, timeout, events, ct), "Waiting for AWS to accept the new key");
            }

            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", issued.AccessKeyId);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", issued.SecretAccessKey);
            Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", issued.SessionToken);
            foreach (var output in ScriptBlock.Invoke(ArgumentList))
            {
                WriteObject(output);
            }
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
