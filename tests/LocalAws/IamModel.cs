namespace LocalAws;

// Mutable state, only touched while holding IamState's lock.
internal sealed class UserEntity
{
    public required string Name { get; set; }
    public required string Path { get; init; }
    public required string Id { get; init; }
    public required DateTime Created { get; init; }
    public string? Boundary { get; set; }
    public List<KeyValuePair<string, string>> Tags { get; } = [];
    public List<string> AttachedPolicies { get; } = [];
    public SortedDictionary<string, string> InlinePolicies { get; } = new(StringComparer.Ordinal);
    public List<GroupEntity> Groups { get; } = [];
    public List<AccessKeyEntity> AccessKeys { get; } = [];
    public LoginProfileEntity? LoginProfile { get; set; }
    public List<MfaDeviceEntity> MfaDevices { get; } = [];
    public List<SshKeyEntity> SshKeys { get; } = [];
    public List<CertificateEntity> Certificates { get; } = [];
    public List<ServiceCredentialEntity> ServiceCredentials { get; } = [];
    public bool Deleted { get; set; }

    public string Arn(string account) => $"arn:aws:iam::{account}:user{Path}{Name}";
}

internal sealed class GroupEntity
{
    public required string Name { get; init; }
    public required string Path { get; init; }
    public required string Id { get; init; }
    public required DateTime Created { get; init; }
    public List<UserEntity> Members { get; } = [];
    public List<string> AttachedPolicies { get; } = [];
    public SortedDictionary<string, string> InlinePolicies { get; } = new(StringComparer.Ordinal);

    public string Arn(string account) => $"arn:aws:iam::{account}:group{Path}{Name}";
}

internal sealed class AccessKeyEntity
{
    public required string Id { get; init; }
    public required string Secret { get; init; }
    public required UserEntity User { get; init; }
    public required DateTime Created { get; init; }
    public required long CreatedTick { get; init; }
    public string Status { get; set; } = "Active";
}

internal sealed class ManagedPolicyEntity
{
    public required string Name { get; init; }
    public required string Path { get; init; }
    public required string Arn { get; init; }
    public required string Id { get; init; }
    public required string Document { get; init; }
    public required DateTime Created { get; init; }
    public string? Description { get; init; }
    public bool AwsManaged { get; init; }
    public List<KeyValuePair<string, string>> Tags { get; } = [];
}

internal sealed class LoginProfileEntity
{
    public required DateTime Created { get; init; }
    public bool PasswordResetRequired { get; init; }
}

internal sealed class MfaDeviceEntity
{
    public required string Serial { get; init; }
    public required string Seed { get; init; }
    public required DateTime Created { get; init; }
    public string Path { get; init; } = "/";
    public UserEntity? User { get; set; }
    public DateTime? Enabled { get; set; }
    public List<KeyValuePair<string, string>> Tags { get; } = [];
}

internal sealed class SshKeyEntity
{
    public required string Id { get; init; }
    public required string Body { get; init; }
    public required string Fingerprint { get; init; }
    public required DateTime Uploaded { get; init; }
    public string Status { get; set; } = "Active";
}

internal sealed class CertificateEntity
{
    public required string Id { get; init; }
    public required string Body { get; init; }
    public required DateTime Uploaded { get; init; }
    public string Status { get; set; } = "Active";
}

internal sealed class ServiceCredentialEntity
{
    public required string Id { get; init; }
    public required string ServiceName { get; init; }
    public required string ServiceUserName { get; init; }
    public required string Password { get; init; }
    public required DateTime Created { get; init; }
    public string Status { get; set; } = "Active";
}

/// <summary>A read-only copy of one IAM user, taken under the state lock.</summary>
public sealed record IamUserInfo(
    string UserName,
    string Path,
    string UserId,
    string Arn,
    DateTime CreateDate,
    string? PermissionsBoundaryArn,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    IReadOnlyList<string> AttachedPolicyArns,
    IReadOnlyDictionary<string, string> InlinePolicies,
    IReadOnlyList<string> Groups,
    IReadOnlyList<IamAccessKeyInfo> AccessKeys,
    bool HasLoginProfile,
    IReadOnlyList<string> MfaDeviceSerials,
    int SshPublicKeyCount,
    int SigningCertificateCount,
    int ServiceSpecificCredentialCount)
{
    /// <summary>True when DeleteUser would meet a DeleteConflict.</summary>
    public bool HasDependents =>
        AttachedPolicyArns.Count > 0 || InlinePolicies.Count > 0 || Groups.Count > 0 || AccessKeys.Count > 0 || HasLoginProfile
        || MfaDeviceSerials.Count > 0 || SshPublicKeyCount > 0 || SigningCertificateCount > 0 || ServiceSpecificCredentialCount > 0;
}

/// <summary>A read-only copy of one access key (no secret).</summary>
public sealed record IamAccessKeyInfo(string AccessKeyId, string UserName, string Status, DateTime CreateDate);

/// <summary>A read-only copy of one IAM group.</summary>
public sealed record IamGroupInfo(string GroupName, string Path, string GroupId, string Arn, DateTime CreateDate, IReadOnlyList<string> Members, IReadOnlyList<string> AttachedPolicyArns, IReadOnlyDictionary<string, string> InlinePolicies);

/// <summary>A read-only copy of one managed policy (AWS-managed or created in the account).</summary>
public sealed record IamPolicyInfo(string PolicyName, string Path, string Arn, string PolicyId, bool AwsManaged, string Document, int AttachmentCount);

/// <summary>One request LocalAws answered (or dropped), in arrival order.</summary>
public sealed record LocalAwsRequestRecord(DateTime ReceivedUtc, string Service, string? Action, string? AccessKeyId, int StatusCode, string? ErrorCode);
