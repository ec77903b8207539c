using System.Security.Cryptography;

namespace LocalAws;

/// <summary>
/// The account's IAM state. Every member is thread-safe: readers get copies taken under one lock.
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
        root.AttachedPolicies.Add("arn:aws:iam::aws:policy/AdministratorAccess");
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

    /// <summary>Number of users, the root user included.</summary>
    public int UserCount
    {
        get
        {
            lock (Gate)
            {
                return UsersByName.Count;
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

    /// <summary>The access key with this id, whatever its status, or null when it does not exist (never existed or deleted).</summary>
    public IamAccessKeyInfo? FindAccessKey(string accessKeyId)
    {
        lock (Gate)
        {
            return KeysById.TryGetValue(accessKeyId, out var k) ? new IamAccessKeyInfo(k.Id, k.User.Name, k.Status, k.Created) : null;
        }
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

    private IamPolicyInfo SnapshotPolicy(ManagedPolicyEntity p) =>
        new(p.Name, p.Path, p.Arn, p.Id, p.AwsManaged, p.Document, AttachmentCount(p.Arn));

    private const string UpperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>A prefix plus random upper-case letters and digits, like AWS's unique ids.</summary>
    internal static string NewId(string prefix, int randomLength) =>
        prefix + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", randomLength);

    internal static string NewBase32(int length) => RandomNumberGenerator.GetString(UpperAlnum, length);

    internal static string NewSecret(int length) =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", length);
}
