using System.Management.Automation;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Issue;

namespace DynamicAwsCreds;

/// <summary>
/// The base of the cmdlets that issue credentials for a role (Get-AwsCredential, Invoke-WithAwsCredential):
/// the request's parameters, as Vault's <c>aws/creds/:role</c> takes them, and the issue and wait steps.
/// </summary>
public abstract class CredentialRequestCmdlet : DynamicAwsCredsCmdlet
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

    /// <summary>Wait until AWS accepts the new key (sts:GetCallerIdentity): new IAM keys take seconds to propagate.</summary>
    [Parameter]
    public SwitchParameter WaitUntilUsable { get; set; }

    /// <summary>How long the wait for AWS to accept the new key lasts (default 30s).</summary>
    [Parameter]
    [DurationTransform]
    public Duration? Timeout { get; set; }

    /// <summary>Validates the request, asks ShouldProcess, and issues; null when -WhatIf or the user declined.</summary>
    internal IssuedCredential? IssueRequested(string action)
    {
        var ttl = Ttl?.Resolve(nameof(Ttl));
        _timeout = Timeout?.Resolve(nameof(Timeout)) ?? TimeSpan.FromSeconds(30);
        if (!ShouldProcess(Role, action))
        {
            return null;
        }

        return Run((events, ct) => Engine.IssueCredentialAsync(Path, Role, ttl, new StsOptions(RoleArn, RoleSessionName, MfaCode), events, ct),
            "Issuing AWS credentials");
    }

    /// <summary>With -WaitUntilUsable, polls until AWS accepts the credentials; throws DynamicAwsCreds.CredentialNotUsable on timeout.</summary>
    internal void WaitIfRequested(IssuedCredential issued)
    {
        if (WaitUntilUsable)
        {
            Run((events, ct) => Engine.WaitUntilUsableAsync(Path, issued, _timeout, events, ct), "Waiting for AWS to accept the new key");
        }
    }

    /// <summary>
    /// Polls until AWS accepts a new iam_user key (STS credentials need no wait); on timeout,
    /// DynamicAwsCreds.CredentialNotUsable saying that <paramref name="instead"/> happens to the lease.
    /// </summary>
    internal void WaitForNewKey(IssuedCredential issued, string instead)
    {
        try
        {
            Run((events, ct) => Engine.WaitUntilNewKeyUsableAsync(issued, _timeout, events, ct), "Waiting for AWS to accept the new key");
        }
        catch (EngineException ex) when (ex.Reason == "CredentialNotUsable")
        {
            throw new EngineException(ex.Reason, ex.Kind, ex.Target,
                $"AWS did not accept the new key of lease {issued.Lease.LeaseId} within {Durations.Format(_timeout)}; {instead} Try again with a longer -Timeout, or with -NoWait.", ex);
        }
    }

    private TimeSpan _timeout = TimeSpan.FromSeconds(30);
}
