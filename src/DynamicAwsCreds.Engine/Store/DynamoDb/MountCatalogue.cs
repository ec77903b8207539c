using Item = System.Collections.Generic.Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>;

namespace DynamicAwsCreds.Engine.Store.DynamoDb;

/// <summary>
/// Every mount in one item (mounts, mounts): a map from path to the mount's fields, its disabling flag and its
/// incarnation (a random id naming the partition of its config and roles), and a version that every add raises.
/// One item makes the no-nesting rule atomic across hosts: an add is written only if the version it read is still
/// the item's, so two hosts adding nesting paths at once cannot both succeed.
/// </summary>
internal sealed class MountCatalogue(StoreTable table)
{
    private const string Mounts = "mounts";
    private const string Version = "version";

    /// <summary>Writes the empty catalogue unless one exists (every opener tries; the first wins).</summary>
    public static void EnsureExists(StoreTable table)
    {
        var empty = new Item(StoreTable.Key(ItemMapping.CataloguePk, ItemMapping.CataloguePk))
        {
            [Mounts] = Attr.Map([]),
            [Version] = Attr.N(0),
        };
        table.Put(empty, Expr.When("attribute_not_exists(#pk)").Named(Attr.Pk));
    }

    /// <summary>A mount as the catalogue holds it.</summary>
    public sealed record Entry(MountRecord Mount, bool Disabling, string Incarnation);

    public SortedDictionary<string, Entry> Read() => Read(out _);

    private SortedDictionary<string, Entry> Read(out long version)
    {
        var item = table.Get(ItemMapping.CataloguePk, ItemMapping.CataloguePk);
        if (item is null)
        {
            // Opening wrote it; written again if it was deleted since, so that adds can be conditional on its version.
            EnsureExists(table);
            item = [];
        }

        version = Attr.GetN(item, Version) ?? 0;
        var entries = new SortedDictionary<string, Entry>(CodePointOrder.Instance);
        foreach (var (path, value) in Attr.Map(item, Mounts))
        {
            var fields = value.M ?? [];
            entries[path] = new Entry(ItemMapping.Mount(path, fields), Attr.Bool(fields, "disabling"), Attr.S(fields, "incarnation"));
        }

        return entries;
    }

    /// <summary>
    /// The catalogue as the current operation read it (<see cref="OperationReads"/>), read once for it: for plain reads
    /// only, never for a write or for a check that guards one, which read it afresh.
    /// </summary>
    public IReadOnlyDictionary<string, Entry> ReadKept() =>
        OperationReads.Current is { } reads ? reads.Get<IReadOnlyDictionary<string, Entry>>("dynamodb/mounts/" + table.Location.Display, Read) : Read();

    public Entry? Find(string path) => Read().GetValueOrDefault(path);

    /// <summary>The partition of the mount's config and roles, null when there is no such mount.</summary>
    public string? Incarnation(string path) => Find(path)?.Incarnation;

    /// <summary>As <see cref="Incarnation"/>, from <see cref="ReadKept"/>: for reading the mount's config and roles.</summary>
    public string? KeptIncarnation(string path) => ReadKept().GetValueOrDefault(path)?.Incarnation;

    public MountRecord? Add(MountRecord mount)
    {
        while (true)
        {
            var entries = Read(out var version);
            // As Vault, mounts may not nest: a prefix revoke of one would reach into the other.
            var clash = entries.Values.Select(e => e.Mount).FirstOrDefault(m => m.Path == mount.Path
                || mount.Path.StartsWith(m.Path + "/", StringComparison.Ordinal) || m.Path.StartsWith(mount.Path + "/", StringComparison.Ordinal));
            if (clash is not null)
            {
                return clash;
            }

            var add = new Expr("SET #mounts.#path = :entry, #version = :next", "#version = :read")
                .Named(Mounts, Version)
                .Name("#path", mount.Path)
                .Value(":entry", ItemMapping.MountEntry(StoredCopies.Of(mount), StoreIds.New()))
                .Value(":next", Attr.N(version + 1))
                .Value(":read", Attr.N(version));
            if (table.Update(ItemMapping.CataloguePk, ItemMapping.CataloguePk, add))
            {
                OperationReads.Current?.Forget();
                return null;
            }

            // Another host changed the catalogue since it was read: read it again.
        }
    }

    public bool SetDisabling(string path, bool disabling)
    {
        var set = table.Update(ItemMapping.CataloguePk, ItemMapping.CataloguePk,
            new Expr("SET #mounts.#path.#disabling = :d", "attribute_exists(#mounts.#path)")
                .Named(Mounts, "disabling").Name("#path", path).Value(":d", Attr.Bool(disabling)));
        OperationReads.Current?.Forget();
        return set;
    }

    /// <summary>Takes the mount out of the catalogue; returns the incarnation it had, null when there was none.</summary>
    public string? Remove(string path)
    {
        var removed = table.Update(ItemMapping.CataloguePk, ItemMapping.CataloguePk,
            new Expr("REMOVE #mounts.#path", "attribute_exists(#mounts.#path)").Named(Mounts).Name("#path", path), out var old);
        OperationReads.Current?.Forget();
        return removed && old is not null && Attr.Map(old, Mounts).TryGetValue(path, out var entry) && entry.M is { } fields
            ? Attr.S(fields, "incarnation")
            : null;
    }
}
