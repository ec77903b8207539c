using System.Collections;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Kinds;

namespace DynamicAwsCreds;

/// <summary>A role: a named recipe for credentials (Get-AwsRole, Set-AwsRole -PassThru).</summary>
public sealed class AwsRole
{
    internal AwsRole(Role r, LeaseTerm? term)
    {
        Ttl = term?.Ttl;
        MaxTtl = term?.Max;
        Name = r.Name;
        Path = r.Mount;
        CredentialType = r.CredentialType;
        PolicyArns = r.PolicyArns.ToArray();
        PolicyDocument = r.PolicyDocument;
        IamGroups = r.IamGroups.ToArray();
        IamTags = new Hashtable(r.IamTags.ToDictionary(kv => kv.Key, kv => (object)kv.Value));
        RoleArns = r.RoleArns.ToArray();
        DefaultStsTtl = r.DefaultStsTtl;
        MaxStsTtl = r.MaxStsTtl;
        UserPath = r.UserPath;
        PermissionsBoundaryArn = r.PermissionsBoundaryArn;
        MfaSerialNumber = r.MfaSerialNumber;
        SessionTags = new Hashtable(r.SessionTags.ToDictionary(kv => kv.Key, kv => (object)kv.Value));
        ExternalId = r.ExternalId;
        UpdatedAt = r.UpdatedAt.UtcDateTime;
    }

    public string Name { get; }
    public string Path { get; }
    public string CredentialType { get; }
    public string[] PolicyArns { get; }
    public string? PolicyDocument { get; }
    public string[] IamGroups { get; }
    public Hashtable IamTags { get; }
    public string[] RoleArns { get; }
    public TimeSpan? DefaultStsTtl { get; }
    public TimeSpan? MaxStsTtl { get; }
    public string? UserPath { get; }
    public string? PermissionsBoundaryArn { get; }
    public string? MfaSerialNumber { get; }
    public Hashtable SessionTags { get; }
    public string? ExternalId { get; }
    public DateTime UpdatedAt { get; }

    /// <summary>The TTL a request without -Ttl gets now, Vault's defaults applied (the role's, the lease config's, the mount's, 768h or 1h).</summary>
    public TimeSpan? Ttl { get; }

    /// <summary>The longest TTL a request may ask for now, the maximums and AWS's limit applied.</summary>
    public TimeSpan? MaxTtl { get; }

    public override string ToString() => Name;
}
