using Amazon.DynamoDBv2.Model;
using Item = System.Collections.Generic.Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>;

namespace DynamicAwsCreds.Engine.Store.DynamoDb;

/// <summary>
/// Leases and intents, one item each in the partition "lease" sorted by lease id, with the lease's credential-cache
/// entry as attributes of the same item, so the entry goes with its lease in the same write. Each change is one
/// conditional single-item write; the steps that also depend on the mount are ordered as
/// <see cref="InsertUnderEnabledMount"/> and <see cref="Activate"/> explain.
/// </summary>
internal sealed class LeaseItems(StoreTable table, MountCatalogue mounts)
{
    private const int ImportParallelism = 8;
    private static readonly string[] CacheAttributes = ["cacheKey", "cacheMount", "cacheRole", "cacheSealed"];

    private static Expr Exists() => Expr.When("attribute_exists(#pk)").Named(Attr.Pk);

    /// <summary>
    /// Puts the lease (only if its id is new), then reads the mount with a strongly consistent read and takes the
    /// lease back out if the mount is gone or being disabled. A disabler sets the flag before it lists the mount's
    /// leases, so either this read sees the flag, or the put came before the flag and the disabler's list sees the
    /// lease: no lease slips in behind a disable.
    /// </summary>
    public bool InsertUnderEnabledMount(LeaseRecord lease)
    {
        if (!table.Put(ItemMapping.Lease(StoredCopies.Of(lease)), Expr.When("attribute_not_exists(#pk)").Named(Attr.Pk)))
        {
            return false;
        }

        if (mounts.Find(lease.Mount) is { Disabling: false })
        {
            return true;
        }

        table.Delete(ItemMapping.LeasePk, lease.LeaseId);
        return false;
    }

    /// <summary>
    /// Turns the intent active when it is still pending (and still <paramref name="owner"/>'s), then reads the mount
    /// with a strongly consistent read. If the mount is gone or being disabled, the answer is false and the intent is
    /// put back as it was, unless someone claimed or deleted the lease meanwhile (a disabler that listed it active and
    /// is revoking it); the issuer then rolls back, and both cleanups are idempotent. A disabler that sets its flag
    /// after this read lists the lease as active and revokes it, as it would any lease activated before the disable.
    /// </summary>
    public bool Activate(string leaseId, string? accessKeyId, LeaseOwner? owner)
    {
        var update = new Expr(
                "SET #state = :active" + (accessKeyId is null ? "" : ", #accessKeyId = :akid") + " REMOVE " + string.Join(", ", ItemMapping.OwnerAttributes.Select(a => "#" + a))
                + (accessKeyId is null ? ", #accessKeyId" : ""),
                "attribute_exists(#pk) AND #state = :pending")
            .Named(Attr.Pk, "state", "accessKeyId").Named(ItemMapping.OwnerAttributes)
            .Value(":active", Attr.S(nameof(LeaseState.Active))).Value(":pending", Attr.S(nameof(LeaseState.Pending)));
        if (accessKeyId is not null)
        {
            update.Value(":akid", Attr.S(accessKeyId));
        }

        if (owner is not null)
        {
            OwnerIs(update, StoredCopies.Of(owner), "expected");
        }

        if (!table.Update(ItemMapping.LeasePk, leaseId, update, out var before) || before is null)
        {
            return false;
        }

        if (mounts.Find(Attr.S(before, "mount")) is { Disabling: false })
        {
            return true;
        }

        var undo = Expr.When("attribute_exists(#pk) AND #state = :active AND attribute_not_exists(#ownerHost)")
            .Named(Attr.Pk, "state", "ownerHost").Value(":active", Attr.S(nameof(LeaseState.Active)));
        table.Put(before, undo);
        return false;
    }

    /// <summary>One conditional update: the owner attributes must be exactly <paramref name="expected"/>'s (or all absent).</summary>
    public bool Claim(string leaseId, LeaseOwner? expected, LeaseOwner? claimant)
    {
        var sets = claimant is null ? [] : ItemMapping.OwnerValues(StoredCopies.Of(claimant)).ToList();
        var removes = ItemMapping.OwnerAttributes.Where(a => sets.All(s => s.Name != a)).ToList();
        var text = (sets.Count > 0 ? "SET " + string.Join(", ", sets.Select(s => $"#{s.Name} = :new{s.Name}")) + " " : "")
            + (removes.Count > 0 ? "REMOVE " + string.Join(", ", removes.Select(a => "#" + a)) : "");
        var update = new Expr(text, "attribute_exists(#pk)").Named(Attr.Pk).Named(ItemMapping.OwnerAttributes);
        foreach (var (name, value) in sets)
        {
            update.Value(":new" + name, value);
        }

        OwnerIs(update, expected is null ? null : StoredCopies.Of(expected), "expected");
        return table.Update(ItemMapping.LeasePk, leaseId, update);
    }

    /// <summary>Adds to the condition that every owner attribute equals <paramref name="owner"/>'s, or is absent where it has none.</summary>
    private static void OwnerIs(Expr expr, LeaseOwner? owner, string prefix)
    {
        expr.Named(ItemMapping.OwnerAttributes);
        var values = owner is null ? [] : ItemMapping.OwnerValues(owner).ToDictionary(v => v.Name, v => v.Value);
        foreach (var name in ItemMapping.OwnerAttributes)
        {
            if (values.TryGetValue(name, out var value))
            {
                expr.Value($":{prefix}{name}", value).And($"#{name} = :{prefix}{name}");
            }
            else
            {
                expr.And($"attribute_not_exists(#{name})");
            }
        }
    }

    public bool MarkUserCreated(string leaseId) =>
        table.Update(ItemMapping.LeasePk, leaseId, new Expr("SET #userCreated = :yes", "attribute_exists(#pk) AND #state = :pending")
            .Named(Attr.Pk, "userCreated", "state").Value(":yes", Attr.Bool(true)).Value(":pending", Attr.S(nameof(LeaseState.Pending))));

    public bool WasUserCreated(string leaseId) => table.Get(ItemMapping.LeasePk, leaseId) is { } item && Attr.Bool(item, "userCreated");

    public bool UpdateExpiry(string leaseId, DateTimeOffset expireTime, DateTimeOffset renewedAt) =>
        table.Update(ItemMapping.LeasePk, leaseId, new Expr("SET #expireTime = :expire, #lastRenewalTime = :renewed", "attribute_exists(#pk) AND #state = :active")
            .Named(Attr.Pk, "expireTime", "lastRenewalTime", "state")
            .Value(":expire", Attr.Time(expireTime)).Value(":renewed", Attr.Time(renewedAt)).Value(":active", Attr.S(nameof(LeaseState.Active))));

    /// <summary>A conditional delete (attribute_exists): of racing deleters exactly one sees it succeed.</summary>
    public bool Delete(string leaseId) => table.Delete(ItemMapping.LeasePk, leaseId, Exists());

    public LeaseRecord? Get(string leaseId) => table.Get(ItemMapping.LeasePk, leaseId) is { } item ? ItemMapping.Lease(item) : null;

    /// <summary>Leases whose id starts with <paramref name="prefix"/> (a key condition, so only those are read), in id order.</summary>
    public List<LeaseRecord> List(string prefix = "", Expr? filter = null) =>
        table.Query(ItemMapping.LeasePk, prefix, filter).Select(ItemMapping.Lease).ToList();

    public static Expr InState(LeaseState state) =>
        Expr.When("#state = :state").Named("state").Value(":state", Attr.S(state.ToString()));

    public HashSet<string> UserNames() =>
        table.Query(ItemMapping.LeasePk, filter: Expr.When("attribute_exists(#userName)").Named("userName"), projection: "#userName")
            .Select(i => Attr.S(i, "userName")).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Conditional puts (attribute_not_exists), several at a time; returns how many were written. Of records with one
    /// id only the first is put, so the parallel puts never race each other for it.
    /// </summary>
    public int Import(IEnumerable<LeaseRecord> leases)
    {
        var added = 0;
        Parallel.ForEach(leases.DistinctBy(l => l.LeaseId, StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = ImportParallelism }, lease =>
        {
            if (table.Put(ItemMapping.Lease(StoredCopies.Of(lease)), Expr.When("attribute_not_exists(#pk)").Named(Attr.Pk)))
            {
                Interlocked.Increment(ref added);
            }
        });
        return added;
    }

    // ---- the credential cache (attributes of the lease's item) ---------------------------------------

    /// <summary>Conditional on the lease item existing, so nothing is kept for a lease that is gone; the first mount and role stay.</summary>
    public void PutCached(string leaseId, string mount, string role, string requestKey, byte[] sealedSecrets) =>
        table.Update(ItemMapping.LeasePk, leaseId,
            new Expr("SET #cacheKey = :key, #cacheSealed = :sealed, #cacheMount = if_not_exists(#cacheMount, :mount), #cacheRole = if_not_exists(#cacheRole, :role)",
                    "attribute_exists(#pk)")
                .Named(Attr.Pk).Named(CacheAttributes)
                .Value(":key", Attr.S(requestKey)).Value(":sealed", Attr.Bytes(sealedSecrets)).Value(":mount", Attr.S(mount)).Value(":role", Attr.S(role)));

    /// <summary>The leases that carry a cache entry passing <paramref name="filter"/>, with the entry's sealed bytes.</summary>
    public List<(LeaseRecord Lease, byte[] Sealed)> ListCached(Expr filter) =>
        table.Query(ItemMapping.LeasePk, filter: filter.And("attribute_exists(#cacheSealed)").Named("cacheSealed"))
            .Select(i => (ItemMapping.Lease(i), Attr.GetBytes(i, "cacheSealed")!)).ToList();

    public void DeleteCached(string leaseId) =>
        table.Update(ItemMapping.LeasePk, leaseId, new Expr("REMOVE " + string.Join(", ", CacheAttributes.Select(a => "#" + a)), "attribute_exists(#pk)")
            .Named(Attr.Pk).Named(CacheAttributes));
}
