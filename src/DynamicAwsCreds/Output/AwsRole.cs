using System.Collections;
using DynamicAwsCreds.Engine.Config;

namespace DynamicAwsCreds;

/// <summary>A role: a named recipe for credentials (Get-AwsRole, Set-AwsRole -PassThru).</summary>
public sealed class AwsRole
{
    internal AwsRole(Role r)
    {
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

    public override string ToString() => Name;
}
