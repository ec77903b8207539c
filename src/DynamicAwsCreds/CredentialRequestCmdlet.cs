using System.Management.Automation;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Issue;

namespace DynamicAwsCreds;

/// <summary>
/// The base of the cmdlets that issue credentials for a role (Get-AwsCredential, Invoke-WithAwsCredential,
/// Export-AwsCredential): the request's parameters, as Vault's <c>aws/creds/:role</c> takes them, and the issue and
/// wait steps. The parameters are in the set <see cref="RoleSet"/>, beside which a cmdlet may have others.
/// </summary>
public abstract class CredentialRequestCmdlet : DynamicAwsCredsCmdlet
{
    internal const string RoleSet = "Role";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private TimeSpan _timeout = DefaultTimeout;

    [Parameter(ParameterSetName = RoleSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    [AllowEmptyString]
    public virtual string Role { get; set; } = string.Empty;

    [Parameter(ParameterSetName = RoleSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Mount")]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    [Parameter(ParameterSetName = RoleSet)]
    [DurationTransform]
    public Duration? Ttl { get; set; }

    /// <summary>assumed_role: which of the role's ARNs to assume when it lists several.</summary>
    [Parameter(ParameterSetName = RoleSet)]
    [Alias("role_arn")]
    [ArgumentCompleter(typeof(RoleArnCompleter))]
    public string? RoleArn { get; set; }

    [Parameter(ParameterSetName = RoleSet)]
    [Alias("role_session_name")]
    public string? RoleSessionName { get; set; }

    /// <summary>session_token (and assumed_role with an MFA serial): the current MFA code.</summary>
    [Parameter(ParameterSetName = RoleSet)]
    [Alias("mfa_code")]
    public string? MfaCode { get; set; }

    /// <summary>How long a wait for AWS to accept a new key lasts (default 30s).</summary>
    [Parameter(ParameterSetName = RoleSet)]
    [DurationTransform]
    public Duration? Timeout { get; set; }

    /// <summary>-Timeout, once the request is validated.</summary>
    internal TimeSpan WaitTimeout => _timeout;

    /// <summary>Validates the request, asks ShouldProcess, and issues; null when -WhatIf or the user declined.</summary>
    internal IssuedCredential? IssueRequested(string action) =>
        IssueRequested(action, (ttl, sts, events, ct) => Engine.IssueCredentialAsync(Path, Role, ttl, sts, events, ct));

    /// <summary>As <see cref="IssueRequested(string)"/>, issuing with <paramref name="issue"/>, given the request's -Ttl and STS options.</summary>
    internal IssuedCredential? IssueRequested(
        string action, Func<TimeSpan?, StsOptions, IOperationEvents, CancellationToken, Task<IssuedCredential>> issue)
    {
        var ttl = Ttl?.Resolve(nameof(Ttl));
        _timeout = Timeout?.Resolve(nameof(Timeout)) ?? DefaultTimeout;
        if (!ShouldProcess(Role, action))
        {
            return null;
        }

        var sts = new StsOptions(RoleArn, RoleSessionName, MfaCode);
        return Run((events, ct) => issue(ttl, sts, events, ct), "Issuing AWS credentials");
    }

    /// <summary>Polls until AWS accepts the credentials (-WaitUntilUsable); throws DynamicAwsCreds.CredentialNotUsable on timeout.</summary>
    internal void WaitForUsable(IssuedCredential issued) =>
        Run((events, ct) => Engine.WaitUntilUsableAsync(Path, issued, _timeout, events, ct), "Waiting for AWS to accept the new key");

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
}
