using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds;

/// <summary>A lease as Get-Lease shows it (Vault's lease lookup). Never a secret.</summary>
public sealed class Lease
{
    internal Lease(LeaseRecord l, DateTimeOffset now)
    {
        LeaseId = l.LeaseId;
        Mount = l.Mount;
        Role = l.Role;
        CredentialType = l.CredentialType;
        IssueTime = l.IssueTime.UtcDateTime;
        ExpireTime = l.ExpireTime.UtcDateTime;
        MaxExpireTime = l.MaxExpireTime.UtcDateTime;
        LastRenewalTime = l.LastRenewalTime?.UtcDateTime;
        Renewable = l.Renewable;
        var left = l.ExpireTime - now;
        Ttl = left > TimeSpan.Zero ? TimeSpan.FromSeconds(Math.Floor(left.TotalSeconds)) : TimeSpan.Zero;
        UserName = l.UserName;
        AccessKeyId = l.AccessKeyId;
    }

    public string LeaseId { get; }
    public string Mount { get; }
    public string Role { get; }
    public string CredentialType { get; }
    public DateTime IssueTime { get; }
    public DateTime ExpireTime { get; }
    public DateTime MaxExpireTime { get; }
    public DateTime? LastRenewalTime { get; }
    public bool Renewable { get; }
    public TimeSpan Ttl { get; }
    public string? UserName { get; }
    public string? AccessKeyId { get; }

    public override string ToString() => LeaseId;
}
