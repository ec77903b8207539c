using System.Security.Cryptography;

namespace LocalAws;

/// <summary>
/// The account's IAM state. Every member is thread-safe: readers get copies taken under one lock. They show what is
/// committed, including what --consistency-delay-ms still hides from IAM calls.
/// </summary>
public sealed class IamState
{
    /// <summary>Name of the IAM user the root access key belongs to.</summary>
    public const string RootUserName = "localaws-root";

    internal readonly object Gate = new();
    internal readonly Dictionary<string, UserEntity> UsersByName = new(StringComparer.OrdinalIgnoreCase);
    internal readonly Dictionary<string, GroupEntity> GroupsByName = new(StringComparer.OrdinalIgnoreCase);
    internal readonly Dictionary<string, ManagedPolicyEntity> PoliciesByArn = new(StringComparer.Ordinal);
    internal readonly Dictionary<string, AccessKeyEntity> KeysById = new(StringComparer.Ordinal);
    internal readonly Dictionary<string, MfaDeviceEntity> MfaBySerial = new(StringComparer.Ordinal);
    internal readonly Dictionary<string, RoleEntity> RolesByName = new(StringComparer.OrdinalIgnoreCase);
    internal readonly Dictionary<string, SessionEntity> SessionsByKeyId = new(StringComparer.Ordinal);
    private readonly List<LocalAwsRequestRecord> requests = [];
    private long sequence;

    internal IamState(LocalAwsOptions options)
    {
        AccountId = options.AccountId;
        foreach (var policy in ManagedPolicies.Create())
        {
            PoliciesByArn.Add(policy.Arn, policy);
        }

        var root = new UserEntity
        {
            Name = RootUserName,
            Path = "/",
            Id = NewId("AIDA", 17),
            Created = DateTime.UtcNow.Add(options.ClockOffset),
        };
        root.AttachedPolicies.Add(options.RootPolicy is null ? "arn:aws:iam::aws:policy/AdministratorAccess" : AddRootPolicy(options.RootPolicy, root.Created));
        var rootKey = new AccessKeyEntity
        {
            Id = options.RootAccessKeyId,
            Secret = options.RootSecretAccessKey,
            User = root,
            Created = root.Created,
            CreatedTick = long.MinValue,
        };
        root.AccessKeys.Add(rootKey);
        UsersByName.Add(root.Name, root);
        KeysById.Add(rootKey.Id, rootKey);
    }

    /// <summary>Name of the customer managed policy that holds <see cref="LocalAwsOptions.RootPolicy"/>.</summary>
    public const string RootPolicyName = "localaws-root-policy";

    /// <summary>The 12-digit account id.</summary>
    public string AccountId { get; }

    /// <summary>All users (including <see cref="RootUserName"/>), sorted by name.</summary>
    public IReadOnlyList<IamUserInfo> Users
    {
        get
        {
            lock (Gate)
            {
                return [.. UsersByName.Values.OrderBy(u => u.Name, StringComparer.OrdinalIgnoreCase).Select(Snapshot)];
            }
        }
    }

    /// <summary>All groups, sorted by name.</summary>
    public IReadOnlyList<IamGroupInfo> Groups
    {
        get
        {
            lock (Gate)
            {
                return [.. GroupsByName.Values.OrderBy(g => g.Name, StringComparer.OrdinalIgnoreCase).Select(SnapshotGroup)];
            }
        }
    }

    /// <summary>All managed policies: AWS-managed ones and those created with CreatePolicy.</summary>
    public IReadOnlyList<IamPolicyInfo> Policies
    {
        get
        {
            lock (Gate)
            {
                return [.. PoliciesByArn.Values.OrderBy(p => p.Arn, StringComparer.Ordinal).Select(SnapshotPolicy)];
            }
        }
    }

    /// <summary>All roles, sorted by name.</summary>
    public IReadOnlyList<IamRoleInfo> Roles
    {
        get
        {
            lock (Gate)
            {
                return [.. RolesByName.Values.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).Select(SnapshotRole)];
            }
        }
    }

    /// <summary>Every set of temporary credentials STS issued (expired ones included), oldest first.</summary>
    public IReadOnlyList<IamSessionInfo> Sessions
    {
        get
        {
            lock (Gate)
            {
                return [.. SessionsByKeyId.Values.OrderBy(s => s.Issued).Select(SnapshotSession)];
            }
        }
    }

    /// <summary>Every request answered so far, in order.</summary>
    public IReadOnlyList<LocalAwsRequestRecord> Requests
    {
        get
        {
            lock (requests)
            {
                return [.. requests];
            }
        }
    }

    /// <summary>How many requests named this action were received (answered, failed or dropped).</summary>
    public int CountRequests(string action)
    {
        lock (requests)
        {
            return requests.Count(r => string.Equals(r.Action, action, StringComparison.Ordinal));
        }
    }

    public IamUserInfo? GetUser(string userName)
    {
        lock (Gate)
        {
            return UsersByName.TryGetValue(userName, out var u) ? Snapshot(u) : null;
        }
    }

    public bool UserExists(string userName)
    {
        lock (Gate)
        {
            return UsersByName.ContainsKey(userName);
        }
    }

    public IamGroupInfo? GetGroup(string groupName)
    {
        lock (Gate)
        {
            return GroupsByName.TryGetValue(groupName, out var g) ? SnapshotGroup(g) : null;
        }
    }

    public IamPolicyInfo? GetPolicy(string policyArn)
    {
        lock (Gate)
        {
            return PoliciesByArn.TryGetValue(policyArn, out var p) ? SnapshotPolicy(p) : null;
        }
    }

    public IamRoleInfo? GetRole(string roleName)
    {
        lock (Gate)
        {
            return RolesByName.TryGetValue(roleName, out var r) ? SnapshotRole(r) : null;
        }
    }

    public bool RoleExists(string roleName)
    {
        lock (Gate)
        {
            return RolesByName.ContainsKey(roleName);
        }
    }

    /// <summary>The temporary credentials with this (ASIA…) access key id, expired or not, or null when STS never issued it.</summary>
    public IamSessionInfo? FindSession(string accessKeyId)
    {
        lock (Gate)
        {
            return SessionsByKeyId.TryGetValue(accessKeyId, out var s) ? SnapshotSession(s) : null;
        }
    }

    /// <summary>The access key with this id, whatever its status, or null when it does not exist (never existed or deleted).</summary>
    public IamAccessKeyInfo? FindAccessKey(string accessKeyId)
    {
        lock (Gate)
        {
            return KeysById.TryGetValue(accessKeyId, out var k) ? new IamAccessKeyInfo(k.Id, k.User.Name, k.Status, k.Created) : null;
        }
    }

    private string AddRootPolicy(string document, DateTime created)
    {
        var arn = $"arn:aws:iam::{AccountId}:policy/{RootPolicyName}";
        PoliciesByArn.Add(arn, new ManagedPolicyEntity
        {
            Name = RootPolicyName,
            Path = "/",
            Arn = arn,
            Id = NewId("ANPA", 17),
            Document = document,
            Created = created,
            Description = "The root identity's policy (--root-policy).",
        });
        return arn;
    }

    internal void Record(LocalAwsRequestRecord record)
    {
        lock (requests)
        {
            requests.Add(record);
        }
    }

    internal long NextSequence() => Interlocked.Increment(ref sequence);

    internal int AttachmentCount(string arn)
    {
        var n = 0;
        foreach (var u in UsersByName.Values)
        {
            n += u.AttachedPolicies.Count(a => string.Equals(a, arn, StringComparison.Ordinal));
        }

        foreach (var g in GroupsByName.Values)
        {
            n += g.AttachedPolicies.Count(a => string.Equals(a, arn, StringComparison.Ordinal));
        }

        foreach (var r in RolesByName.Values)
        {
            n += r.AttachedPolicies.Count(a => string.Equals(a, arn, StringComparison.Ordinal));
        }

        return n;
    }

    private IamUserInfo Snapshot(UserEntity u) => new(
        u.Name,
        u.Path,
        u.Id,
        u.Arn(AccountId),
        u.Created,
        u.Boundary,
        [.. u.Tags],
        [.. u.AttachedPolicies],
        new Dictionary<string, string>(u.InlinePolicies, StringComparer.Ordinal),
        [.. u.Groups.Select(g => g.Name)],
        [.. u.AccessKeys.Select(k => new IamAccessKeyInfo(k.Id, u.Name, k.Status, k.Created))],
        u.LoginProfile is not null,
        [.. u.MfaDevices.Select(m => m.Serial)],
        u.SshKeys.Count,
        u.Certificates.Count,
        u.ServiceCredentials.Count);

    private IamGroupInfo SnapshotGroup(GroupEntity g) => new(
        g.Name,
        g.Path,
        g.Id,
        g.Arn(AccountId),
        g.Created,
        [.. g.Members.Select(m => m.Name)],
        [.. g.AttachedPolicies],
        new Dictionary<string, string>(g.InlinePolicies, StringComparer.Ordinal));

    private IamRoleInfo SnapshotRole(RoleEntity r) => new(
        r.Name,
        r.Path,
        r.Id,
        r.Arn(AccountId),
        r.Created,
        r.TrustPolicy,
        r.Description,
        r.MaxSessionDuration,
        r.Boundary,
        [.. r.Tags],
        [.. r.AttachedPolicies],
        new Dictionary<string, string>(r.InlinePolicies, StringComparer.Ordinal));

    private IamSessionInfo SnapshotSession(SessionEntity s) => new(
        s.AccessKeyId,
        s.Kind.ToString(),
        s.Arn(AccountId),
        s.UserId(AccountId),
        s.Issued,
        s.Expiration,
        s.User?.Name,
        s.RoleName,
        s.Name,
        s.Policy,
        [.. s.PolicyArns],
        [.. s.Tags],
        s.Mfa,
        s.Chained);

    private IamPolicyInfo SnapshotPolicy(ManagedPolicyEntity p) =>
        new(p.Name, p.Path, p.Arn, p.Id, p.AwsManaged, p.Document, AttachmentCount(p.Arn));

    private const string UpperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>A prefix plus random upper-case letters and digits, like AWS's unique ids.</summary>
    internal static string NewId(string prefix, int randomLength) =>
        prefix + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", randomLength);

    internal static string NewBase32(int length) => RandomNumberGenerator.GetString(UpperAlnum, length);

    /// <summary>An opaque session token: random bytes, base64 (AWS's are several hundred characters; never parse one).</summary>
    internal static string NewSessionToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(300));

    internal static string NewSecret(int length) =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", length);
}
