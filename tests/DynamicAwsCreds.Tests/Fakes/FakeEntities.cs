using DynamicAwsCreds.Engine.Aws;

namespace DynamicAwsCreds.Tests.Fakes;

/// <summary>
/// An IAM user of <see cref="FakeAws"/>. A test may add what issuing never makes (a login profile, MFA devices, SSH
/// keys, signing certificates, service-specific credentials) to see revoke remove it.
/// </summary>
public sealed class FakeUser(string userName, string path, string userId, string arn, DateTimeOffset created)
{
    public string UserName { get; } = userName;
    public string Path { get; } = path;
    public string UserId { get; } = userId;
    public string Arn { get; } = arn;
    public DateTimeOffset Created { get; } = created;
    public string? PermissionsBoundaryArn { get; init; }
    public Dictionary<string, string> Tags { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<string> AttachedPolicyArns { get; } = [];
    public SortedDictionary<string, string> InlinePolicies { get; } = new(StringComparer.Ordinal);
    public List<string> Groups { get; } = [];
    public List<FakeAccessKey> AccessKeys { get; } = [];
    public bool HasLoginProfile { get; set; }
    public List<string> MfaDeviceSerials { get; } = [];
    public List<string> SshPublicKeyIds { get; } = [];
    public List<string> SigningCertificateIds { get; } = [];
    public List<string> ServiceSpecificCredentialIds { get; } = [];

    /// <summary>What DeleteUser answers while the user still has something, in AWS's words; null when it may go.</summary>
    internal string? DeleteConflict() =>
        HasLoginProfile ? "Cannot delete entity, must delete login profile first."
        : AccessKeys.Count > 0 ? "Cannot delete entity, must delete access keys first."
        : SigningCertificateIds.Count > 0 ? "Cannot delete entity, must delete certificates first."
        : MfaDeviceSerials.Count > 0 ? "Cannot delete entity, must delete MFA device first."
        : InlinePolicies.Count > 0 ? "Cannot delete entity, must delete policies first."
        : AttachedPolicyArns.Count > 0 ? "Cannot delete entity, must detach all policies first."
        : Groups.Count > 0 ? "Cannot delete entity, must remove users from group first."
        : SshPublicKeyIds.Count > 0 || ServiceSpecificCredentialIds.Count > 0 ? "Cannot delete entity, must remove referenced objects first."
        : null;

    internal IamUser ToIamUser() => new(UserName, UserId, Arn, Path, Created);
}

public sealed record FakeAccessKey(string AccessKeyId, string SecretAccessKey, DateTimeOffset Created);

public sealed class FakeGroup(string groupName)
{
    public string GroupName { get; } = groupName;
    public List<string> AttachedPolicyArns { get; } = [];
    public SortedDictionary<string, string> InlinePolicies { get; } = new(StringComparer.Ordinal);
}

/// <summary>Temporary credentials STS issued, and the principal they act as.</summary>
public sealed record FakeSession(StsCredentials Credentials, string Arn, string UserId);
