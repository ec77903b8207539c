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

    /// <summary>When other calls first see the user (<see cref="Consistency"/>); 0: at once.</summary>
    public long VisibleAt { get; set; }

    /// <summary>Changes to the user other calls do not see yet (keys from <see cref="Consistency"/>) → when they will.</summary>
    public Dictionary<string, long> Pending { get; } = new(StringComparer.Ordinal);

    /// <summary>An inline policy's document before a rewrite other calls do not see yet: what they still read.</summary>
    public Dictionary<string, string> InlineBefore { get; } = new(StringComparer.Ordinal);

    public bool IsVisible => Consistency.IsVisible(VisibleAt);

    /// <summary>True when other calls see this change (or it was never pending).</summary>
    public bool Sees(string change) => !Pending.TryGetValue(change, out var at) || Consistency.IsVisible(at);

    public void MarkPending(string change, long visibleAt)
    {
        if (visibleAt == 0)
        {
            Pending.Remove(change);
        }
        else
        {
            Pending[change] = visibleAt;
        }
    }

    /// <summary>The inline policy as other calls read it: the document, its previous one while a rewrite is pending, or null.</summary>
    public string? SeenInline(string policyName) =>
        !InlinePolicies.TryGetValue(policyName, out var doc) ? null
        : Sees(Consistency.Inline(policyName)) ? doc
        : InlineBefore.GetValueOrDefault(policyName);

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

    /// <summary>When other calls (ListAccessKeys, DeleteAccessKey) first see the key (<see cref="Consistency"/>); 0: at once.</summary>
    public long VisibleAt { get; init; }
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

internal sealed class RoleEntity
{
    public required string Name { get; init; }
    public required string Path { get; init; }
    public required string Id { get; init; }
    public required DateTime Created { get; init; }
    public required string TrustPolicy { get; set; }
    public string? Description { get; set; }
    public int MaxSessionDuration { get; set; } = 3600;
    public string? Boundary { get; set; }
    public List<KeyValuePair<string, string>> Tags { get; } = [];
    public List<string> AttachedPolicies { get; } = [];
    public SortedDictionary<string, string> InlinePolicies { get; } = new(StringComparer.Ordinal);
    public DateTime? LastUsed { get; set; }
    public bool Deleted { get; set; }

    public string Arn(string account) => $"arn:aws:iam::{account}:role{Path}{Name}";
}

/// <summary>What kind of temporary credentials an STS call issued.</summary>
internal enum SessionKind
{
    AssumedRole,
    FederatedUser,
    SessionToken,
}

/// <summary>Temporary credentials issued by STS: an ASIA key id, its secret and session token, valid until Expiration.</summary>
internal sealed class SessionEntity
{
    public required SessionKind Kind { get; init; }
    public required string AccessKeyId { get; init; }
    public required string Secret { get; init; }
    public required string Token { get; init; }
    public required DateTime Issued { get; init; }
    public required DateTime Expiration { get; init; }

    /// <summary>The session or federated user name (AssumeRole's RoleSessionName, GetFederationToken's Name).</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The IAM user behind a federation token or session token (null for an assumed role).</summary>
    public UserEntity? User { get; init; }

    /// <summary>The assumed role (null for the other kinds). Its ARN and id are kept, as AWS keeps them once issued.</summary>
    public RoleEntity? Role { get; init; }

    public string? RoleName { get; init; }
    public string? RoleId { get; init; }
    public string? RolePath { get; init; }

    /// <summary>Inline session policy (AssumeRole/GetFederationToken Policy).</summary>
    public string? Policy { get; init; }

    /// <summary>Managed session policies (PolicyArns.member.N.arn).</summary>
    public List<string> PolicyArns { get; } = [];
    public List<KeyValuePair<string, string>> Tags { get; } = [];

    /// <summary>True when MFA was presented (SerialNumber + TokenCode) when the credentials were issued.</summary>
    public bool Mfa { get; init; }

    /// <summary>True when the role was assumed with temporary credentials (role chaining).</summary>
    public bool Chained { get; init; }

    public bool HasSessionPolicies => Policy is not null || PolicyArns.Count > 0;

    public string Arn(string account) => Kind switch
    {
        SessionKind.AssumedRole => $"arn:aws:sts::{account}:assumed-role/{RoleName}/{Name}",
        SessionKind.FederatedUser => $"arn:aws:sts::{account}:federated-user/{Name}",
        _ => User!.Arn(account),
    };

    public string UserId(string account) => Kind switch
    {
        SessionKind.AssumedRole => $"{RoleId}:{Name}",
        SessionKind.FederatedUser => $"{account}:{Name}",
        _ => User!.Id,
    };
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

/// <summary>A read-only copy of one IAM role.</summary>
public sealed record IamRoleInfo(
    string RoleName,
    string Path,
    string RoleId,
    string Arn,
    DateTime CreateDate,
    string AssumeRolePolicyDocument,
    string? Description,
    int MaxSessionDuration,
    string? PermissionsBoundaryArn,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    IReadOnlyList<string> AttachedPolicyArns,
    IReadOnlyDictionary<string, string> InlinePolicies);

/// <summary>
/// A read-only copy of one set of temporary credentials STS issued (no secret, no token). Kind is
/// <c>AssumedRole</c>, <c>FederatedUser</c> or <c>SessionToken</c>; Arn is what GetCallerIdentity returns for it.
/// </summary>
public sealed record IamSessionInfo(
    string AccessKeyId,
    string Kind,
    string Arn,
    string UserId,
    DateTime Issued,
    DateTime Expiration,
    string? UserName,
    string? RoleName,
    string SessionName,
    string? SessionPolicy,
    IReadOnlyList<string> SessionPolicyArns,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    bool MfaAuthenticated,
    bool RoleChained);

/// <summary>One request LocalAws answered (or dropped), in arrival order.</summary>
public sealed record LocalAwsRequestRecord(DateTime ReceivedUtc, string Service, string? Action, string? AccessKeyId, int StatusCode, string? ErrorCode)
{
    /// <summary>
    /// Who made the request once its signature was verified: the IAM user's ARN, or the assumed-role / federated-user
    /// session ARN GetCallerIdentity would return; null when the request was refused before that.
    /// </summary>
    public string? CallerArn { get; init; }
}
