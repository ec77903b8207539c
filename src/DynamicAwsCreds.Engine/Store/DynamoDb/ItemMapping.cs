using Amazon.DynamoDBv2.Model;
using Item = System.Collections.Generic.Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>;

namespace DynamicAwsCreds.Engine.Store.DynamoDb;

/// <summary>
/// The item kinds of the table (README, "The shared store's table") and how records map onto them. Keys:
/// the store item (store, store); the mount catalogue (mounts, mounts); a mount's root config, lease config,
/// roles and static roles under <c>mount#&lt;incarnation&gt;</c>; leases and intents (lease, &lt;lease id&gt;) with their cache entry;
/// request locks (lock, &lt;request key&gt;); tombstones of revoked leases (revoked, &lt;lease id&gt;). Times are epoch milliseconds, durations milliseconds.
/// </summary>
internal static class ItemMapping
{
    public const string StorePk = "store";
    public const string CataloguePk = "mounts";
    public const string LeasePk = "lease";
    public const string LockPk = "lock";
    public const string RevokedPk = "revoked";
    public const string RootSk = "root";
    public const string LeaseConfigSk = "leaseConfig";
    public const string RolePrefix = "role#";
    public const string StaticRolePrefix = "staticRole#";

    /// <summary>The partition of one incarnation of a mount: enabling a path again starts an empty one.</summary>
    public static string MountPk(string incarnation) => "mount#" + incarnation;

    // ---- mounts (entries of the catalogue's map, keyed by path) ----------------------------------

    public static AttributeValue MountEntry(MountRecord m, string incarnation)
    {
        var entry = new Item
        {
            ["type"] = Attr.S(m.Type),
            ["created"] = Attr.Time(m.CreatedAt),
            ["disabling"] = Attr.Bool(false),
            ["incarnation"] = Attr.S(incarnation),
        };
        Attr.Set(entry, "description", Attr.OrNull(m.Description));
        Attr.Set(entry, "defaultLeaseTtl", Attr.OrNull(m.DefaultLeaseTtl));
        Attr.Set(entry, "maxLeaseTtl", Attr.OrNull(m.MaxLeaseTtl));
        return Attr.Map(entry);
    }

    public static MountRecord Mount(string path, Item entry) =>
        new(path, Attr.S(entry, "type"), Attr.GetS(entry, "description"), Attr.GetDuration(entry, "defaultLeaseTtl"),
            Attr.GetDuration(entry, "maxLeaseTtl"), Attr.Time(entry, "created"));

    // ---- root config, lease config, roles ---------------------------------------------------------

    public static Item RootConfig(string incarnation, RootConfigRecord c, long generation)
    {
        var item = new Item
        {
            [Attr.Pk] = Attr.S(MountPk(incarnation)),
            [Attr.Sk] = Attr.S(RootSk),
            ["mount"] = Attr.S(c.Mount),
            ["stsFallbackEndpoints"] = Attr.List(c.StsFallbackEndpoints),
            ["stsFallbackRegions"] = Attr.List(c.StsFallbackRegions),
            ["endpointsVetted"] = Attr.Bool(c.EndpointsVetted),
            ["generation"] = Attr.N(generation),
        };
        Attr.Set(item, "accessKey", Attr.OrNull(c.AccessKey));
        Attr.Set(item, "secretKey", Attr.OrNull(c.SecretKeyCiphertext));
        Attr.Set(item, "region", Attr.OrNull(c.Region));
        Attr.Set(item, "iamEndpoint", Attr.OrNull(c.IamEndpoint));
        Attr.Set(item, "stsEndpoint", Attr.OrNull(c.StsEndpoint));
        Attr.Set(item, "maxRetries", Attr.OrNull(c.MaxRetries));
        Attr.Set(item, "usernameTemplate", Attr.OrNull(c.UsernameTemplate));
        Attr.Set(item, "stsRegion", Attr.OrNull(c.StsRegion));
        Attr.Set(item, "kmsKeyId", Attr.OrNull(c.KmsKeyId));
        return item;
    }

    public static RootConfigRecord RootConfig(Item i) =>
        new(Attr.S(i, "mount"), Attr.GetS(i, "accessKey"), Attr.GetBytes(i, "secretKey"), Attr.GetS(i, "region"), Attr.GetS(i, "iamEndpoint"),
            Attr.GetS(i, "stsEndpoint"), (int?)Attr.GetN(i, "maxRetries"), Attr.GetS(i, "usernameTemplate"))
        {
            StsRegion = Attr.GetS(i, "stsRegion"),
            StsFallbackEndpoints = Attr.StringList(i, "stsFallbackEndpoints"),
            StsFallbackRegions = Attr.StringList(i, "stsFallbackRegions"),
            EndpointsVetted = Attr.Bool(i, "endpointsVetted"),
            KmsKeyId = Attr.GetS(i, "kmsKeyId"),
            Generation = Attr.N(i, "generation"),
        };

    public static Item LeaseConfig(string incarnation, LeaseConfigRecord c) => new()
    {
        [Attr.Pk] = Attr.S(MountPk(incarnation)),
        [Attr.Sk] = Attr.S(LeaseConfigSk),
        ["mount"] = Attr.S(c.Mount),
        ["lease"] = Attr.OrNull(c.Lease)!,
        ["leaseMax"] = Attr.OrNull(c.LeaseMax)!,
    };

    public static LeaseConfigRecord LeaseConfig(Item i) =>
        new(Attr.S(i, "mount"), Attr.GetDuration(i, "lease")!.Value, Attr.GetDuration(i, "leaseMax")!.Value);

    public static Item Role(string incarnation, RoleRecord r, long version) => new()
    {
        [Attr.Pk] = Attr.S(MountPk(incarnation)),
        [Attr.Sk] = Attr.S(RolePrefix + r.Name),
        ["mount"] = Attr.S(r.Mount),
        ["name"] = Attr.S(r.Name),
        ["definition"] = Attr.S(r.DefinitionJson),
        ["updated"] = Attr.Time(r.UpdatedAt),
        ["version"] = Attr.N(version),
    };

    public static RoleRecord Role(Item i) => new(Attr.S(i, "mount"), Attr.S(i, "name"), Attr.S(i, "definition"), Attr.Time(i, "updated"));

    public static Item StaticRole(string incarnation, StaticRoleRecord r, long version)
    {
        var item = new Item
        {
            [Attr.Pk] = Attr.S(MountPk(incarnation)),
            [Attr.Sk] = Attr.S(StaticRolePrefix + r.Name),
            ["mount"] = Attr.S(r.Mount),
            ["name"] = Attr.S(r.Name),
            ["userName"] = Attr.S(r.UserName),
            ["rotationPeriod"] = Attr.OrNull(r.RotationPeriod)!,
            ["accessKeyId"] = Attr.S(r.AccessKeyId),
            ["secretKey"] = Attr.Bytes(r.SecretKeyCiphertext),
            ["lastRotated"] = Attr.Time(r.LastRotated),
            ["nextRotation"] = Attr.Time(r.NextRotation),
            ["version"] = Attr.N(version),
        };
        Attr.Set(item, "previousAccessKeyId", Attr.OrNull(r.PreviousAccessKeyId));
        return item;
    }

    public static StaticRoleRecord StaticRole(Item i) =>
        new(Attr.S(i, "mount"), Attr.S(i, "name"), Attr.S(i, "userName"), Attr.GetDuration(i, "rotationPeriod")!.Value, Attr.S(i, "accessKeyId"),
            Attr.GetBytes(i, "secretKey")!, Attr.GetS(i, "previousAccessKeyId"), Attr.Time(i, "lastRotated"), Attr.Time(i, "nextRotation"));

    // ---- leases and intents --------------------------------------------------------------------

    /// <summary>The owner's attributes; all four are absent when there is no owner.</summary>
    public static readonly string[] OwnerAttributes = ["ownerHost", "ownerPid", "ownerStart", "ownerDeadline"];

    public static Item Lease(LeaseRecord l)
    {
        var item = new Item
        {
            [Attr.Pk] = Attr.S(LeasePk),
            [Attr.Sk] = Attr.S(l.LeaseId),
            ["mount"] = Attr.S(l.Mount),
            ["role"] = Attr.S(l.Role),
            ["credentialType"] = Attr.S(l.CredentialType),
            ["state"] = Attr.S(l.State.ToString()),
            ["issueTime"] = Attr.Time(l.IssueTime),
            ["expireTime"] = Attr.Time(l.ExpireTime),
            ["maxExpireTime"] = Attr.Time(l.MaxExpireTime),
            ["renewable"] = Attr.Bool(l.Renewable),
        };
        Attr.Set(item, "lastRenewalTime", Attr.OrNull(l.LastRenewalTime));
        Attr.Set(item, "userName", Attr.OrNull(l.UserName));
        Attr.Set(item, "accessKeyId", Attr.OrNull(l.AccessKeyId));
        Attr.Set(item, "assumedRoleArn", Attr.OrNull(l.AssumedRoleArn));
        if (l.Owner is { } owner)
        {
            foreach (var (name, value) in OwnerValues(owner))
            {
                item[name] = value;
            }
        }

        return item;
    }

    /// <summary>The owner's attributes with their values; a missing deadline is left out.</summary>
    public static IEnumerable<(string Name, AttributeValue Value)> OwnerValues(LeaseOwner owner)
    {
        yield return ("ownerHost", Attr.S(owner.Host));
        yield return ("ownerPid", Attr.N(owner.ProcessId));
        yield return ("ownerStart", Attr.Time(owner.ProcessStart));
        if (owner.Deadline is { } deadline)
        {
            yield return ("ownerDeadline", Attr.Time(deadline));
        }
    }

    public static LeaseRecord Lease(Item i) =>
        new(Attr.S(i, Attr.Sk), Attr.S(i, "mount"), Attr.S(i, "role"), Attr.S(i, "credentialType"),
            Enum.Parse<LeaseState>(Attr.S(i, "state")), Attr.Time(i, "issueTime"), Attr.Time(i, "expireTime"), Attr.Time(i, "maxExpireTime"),
            Attr.GetTime(i, "lastRenewalTime"), Attr.Bool(i, "renewable"), Attr.GetS(i, "userName"), Attr.GetS(i, "accessKeyId"),
            Attr.GetS(i, "assumedRoleArn"), Owner(i));

    private static LeaseOwner? Owner(Item i) => Attr.GetS(i, "ownerHost") is { } host
        ? new LeaseOwner(host, (int)Attr.N(i, "ownerPid"), Attr.Time(i, "ownerStart")) { Deadline = Attr.GetTime(i, "ownerDeadline") }
        : null;
}
