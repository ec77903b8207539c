using DynamicAwsCreds.Engine.Issue;

namespace DynamicAwsCreds;

/// <summary>
/// Credentials just issued, with their lease. AccessKey, SecretKey and SessionToken bind by property name
/// into Set-AWSCredential; no property here shares a name with another of its parameters.
/// No formatting shows SecretKey or SessionToken: the views (DynamicAwsCreds.format.ps1xml), the default display
/// property set used where no view applies (<see cref="DefaultDisplay"/>) and ToString() all leave them out.
/// </summary>
public sealed class AwsCredentialLease
{
    internal AwsCredentialLease(IssuedCredential issued)
    {
        var l = issued.Lease;
        LeaseId = l.LeaseId;
        LeaseDuration = issued.LeaseDuration;
        Renewable = l.Renewable;
        AccessKey = issued.AccessKeyId;
        SecretKey = issued.SecretAccessKey;
        SessionToken = issued.SessionToken;
        Expiration = l.ExpireTime.UtcDateTime;
        IssueTime = l.IssueTime.UtcDateTime;
        Role = l.Role;
        Mount = l.Mount;
        CredentialType = l.CredentialType;
        UserName = l.UserName;
        AssumedRoleArn = l.AssumedRoleArn;
    }

    public string LeaseId { get; }
    public TimeSpan LeaseDuration { get; }
    public bool Renewable { get; }
    public string AccessKey { get; }
    public string SecretKey { get; }
    public string? SessionToken { get; }
    public DateTime Expiration { get; }
    public DateTime IssueTime { get; }
    public string Role { get; }
    public string Mount { get; }
    public string CredentialType { get; }
    public string? UserName { get; }
    public string? AssumedRoleArn { get; }

    public override string ToString() => $"{LeaseId} ({AccessKey})";
}
