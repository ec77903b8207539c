using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Roots;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.DynamoDb;
using DynamicAwsCreds.Engine.Store.Sealing;
using DynamicAwsCreds.Engine.Store.Sqlite;

namespace DynamicAwsCreds.Engine.Stores;

/// <summary>Seals a root secret key for the destination under the named KMS key.</summary>
internal delegate byte[] RootKeySealer(string secretKey, string context, string kmsKeyId);

/// <summary>
/// Copy-LeaseStore: moves a SQLite store into a shared DynamoDB table. The destination gets the source's store id, so
/// the ownership markers of the IAM users it issued stay valid there. Mounts, root and lease config, roles and live
/// leases are copied; what the destination already holds is left as it is, so copying again only adds what is missing.
/// Every refusal (bad locations, root keys without a KMS key, another store's table) comes before the first write,
/// and root keys are opened and sealed again before the destination is touched.
/// </summary>
internal sealed class StoreCopy(EngineContext context)
{
    /// <summary>What <see cref="Copy(StoreCopyRequest, CancellationToken)"/> would carry, checked as it checks it; writes nothing anywhere, not even the table.</summary>
    public StoreCopySummary Plan(StoreCopyRequest request)
    {
        var locations = Locations(request);
        using var source = OpenSource(locations.Source);
        return Read(source.Store, request, locations.Destination.Display).Summary;
    }

    public StoreCopySummary Copy(StoreCopyRequest request, CancellationToken ct)
    {
        var (source, destination) = Locations(request);
        return Copy(request, source, destination.Display, storeId => DynamoDbLeaseStore.Open(destination, storeId),
            (secret, sealContext, kmsKeyId) => SealWithKms(destination, secret, sealContext, kmsKeyId), ct);
    }

    /// <summary>The copy into any store: <paramref name="openDestination"/> opens it given the store id a new one should get.</summary>
    internal StoreCopySummary Copy(
        StoreCopyRequest request, SqliteStoreLocation source, string destination, Func<string, ILeaseStore> openDestination, RootKeySealer seal, CancellationToken ct)
    {
        using var opened = OpenSource(source);
        var snapshot = Read(opened.Store, request, destination);
        var roots = snapshot.RootConfigs.Select(c => Carried(c, opened.Store.Path, request, seal)).ToList();
        ct.ThrowIfCancellationRequested();

        using var target = openDestination(snapshot.Summary.StoreId);
        if (!string.Equals(target.StoreId, snapshot.Summary.StoreId, StringComparison.Ordinal))
        {
            throw new EngineException("StoreIdMismatch", ErrorKind.InvalidOperation, destination,
                $"'{destination}' already holds the store {target.StoreId}, not {snapshot.Summary.StoreId} (the source's), so copying into it would mix "
                + "two stores whose IAM users name different ids. Nothing was written. Copy into a new table, or into the one this store was copied to before.");
        }

        var added = Write(target, snapshot, roots, ct);
        ReportSkipped(snapshot.Summary);
        return snapshot.Summary with { Added = added };
    }

    private static (SqliteStoreLocation Source, DynamoDbStoreLocation Destination) Locations(StoreCopyRequest request)
    {
        var destination = StoreLocation.Parse(request.Destination, "-Destination") as DynamoDbStoreLocation
            ?? throw StoreLocation.Invalid(request.Destination, "a store is copied into a DynamoDB table, and this is a file path", setting: "-Destination");
        var source = request.Source is null
            ? StoreLocation.FromEnvironment() as SqliteStoreLocation ?? new SqliteStoreLocation(Path.GetFullPath(StoreFiles.PerUserStorePath()))
            : StoreLocation.Parse(request.Source, "-Source") as SqliteStoreLocation
                ?? throw StoreLocation.Invalid(request.Source, "a store is copied from a SQLite store file, and this is a DynamoDB table", setting: "-Source");
        return (source, destination);
    }

    /// <summary>The source store: the engine's own when it is the same file (no second connection to open and close), else opened for this copy.</summary>
    private SourceStore OpenSource(SqliteStoreLocation source)
    {
        // Opening creates a missing store, and an empty new store is never what is meant here.
        if (!File.Exists(source.Path))
        {
            throw new EngineException("StoreNotFound", ErrorKind.ObjectNotFound, source.Path,
                $"There is no store at '{source.Path}'. Give -Source the path of an existing SQLite store. Nothing was written.");
        }

        return context.StoreKind == "SQLite" && string.Equals(context.StoreLocation, source.Path, StringComparison.Ordinal) && context.OpenedStore is SqliteLeaseStore own
            ? new SourceStore(own, Owned: false)
            : new SourceStore(SqliteLeaseStore.Open(source.Path), Owned: true);
    }

    private sealed record SourceStore(SqliteLeaseStore Store, bool Owned) : IDisposable
    {
        public void Dispose()
        {
            if (Owned)
            {
                Store.Dispose();
            }
        }
    }

    private sealed record Snapshot(
        StoreCopySummary Summary,
        IReadOnlyList<MountRecord> Mounts,
        IReadOnlyList<RootConfigRecord> RootConfigs,
        IReadOnlyList<LeaseConfigRecord> LeaseConfigs,
        IReadOnlyList<RoleRecord> Roles,
        IReadOnlyList<LeaseRecord> Leases);

    private Snapshot Read(SqliteLeaseStore store, StoreCopyRequest request, string destination)
    {
        RootConfig.ValidateKmsKeyId(request.KmsKeyId);
        var now = context.Now();
        var mounts = store.ListMounts();
        var roots = mounts.Select(m => store.GetRootConfig(m.Path)).OfType<RootConfigRecord>().ToList();
        var leaseConfigs = mounts.Select(m => store.GetLeaseConfig(m.Path)).OfType<LeaseConfigRecord>().ToList();
        var roles = mounts.SelectMany(m => store.ListRoles(m.Path)).ToList();
        var active = store.ListLeasesByPrefix(string.Empty);
        var live = active.Where(l => l.ExpireTime > now).Select(l => l with { Owner = null }).ToList();

        var keyed = roots.Where(c => c.SecretKeyCiphertext is not null).ToList();
        if (!request.UseDefaultCredentialChain && keyed.FirstOrDefault(c => KmsKeyOf(c, request) is null) is { } unkeyed)
        {
            throw new EngineException("KmsKeyRequired", ErrorKind.InvalidOperation, unkeyed.Mount,
                $"The root config of '{unkeyed.Mount}' holds keys, and a shared store keeps root keys only sealed with AWS KMS. Give -KmsKeyId <key id, ARN or alias>, "
                + "or -UseDefaultCredentialChain to copy the config without its keys (the shared store's hosts then sign with their own default chain). Nothing was written.");
        }

        var rootKeys = keyed.Count == 0 ? RootKeyCopy.None : request.UseDefaultCredentialChain ? RootKeyCopy.DefaultChain : RootKeyCopy.Resealed;
        var summary = new StoreCopySummary(store.Path, destination, store.StoreId, mounts.Select(m => m.Path).ToList(), roles.Count, live.Count, rootKeys)
        {
            SkippedIntents = store.ListPendingLeases().Count,
            SkippedCacheEntries = store.CountCachedCredentials(),
            ExpiredLeases = active.Count - live.Count,
        };
        return new Snapshot(summary, mounts, roots, leaseConfigs, roles, live);
    }

    private static string? KmsKeyOf(RootConfigRecord config, StoreCopyRequest request) =>
        string.IsNullOrWhiteSpace(request.KmsKeyId) ? config.KmsKeyId : request.KmsKeyId;

    /// <summary>The root config as the destination keeps it: its secret opened with the source's sealer and sealed with KMS, or no keys at all.</summary>
    private static RootConfigRecord Carried(RootConfigRecord config, string sourcePath, StoreCopyRequest request, RootKeySealer seal)
    {
        if (config.SecretKeyCiphertext is not { } sealedSecret)
        {
            return config;
        }

        if (request.UseDefaultCredentialChain)
        {
            return config with { AccessKey = null, SecretKeyCiphertext = null, KmsKeyId = null };
        }

        var secretContext = StoredRootConfig.SecretContext(config.Mount);
        var secret = SecretSealers.ForFileStore(sourcePath, () => true).Open(sealedSecret, secretContext);
        var kmsKeyId = KmsKeyOf(config, request)!;
        return config with { SecretKeyCiphertext = seal(secret, secretContext, kmsKeyId), KmsKeyId = kmsKeyId };
    }

    private static int Write(ILeaseStore target, Snapshot snapshot, IReadOnlyList<RootConfigRecord> roots, CancellationToken ct)
    {
        var added = 0;
        var copied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mount in snapshot.Mounts)
        {
            ct.ThrowIfCancellationRequested();
            switch (target.AddMount(mount))
            {
                case null:
                    added++;
                    copied.Add(mount.Path);
                    break;
                case { } existing when existing.Path == mount.Path:
                    copied.Add(mount.Path);
                    break;
                case { } nesting:
                    EngineOperation.Events.Warning(
                        $"The mount '{mount.Path}' was not copied, nor its config, roles and leases: the destination's mount '{nesting.Path}' nests with it.");
                    break;
            }
        }

        foreach (var root in roots.Where(r => copied.Contains(r.Mount) && target.GetRootConfig(r.Mount) is null))
        {
            target.UpdateRootConfig(root.Mount, existing => existing ?? root);
        }

        foreach (var config in snapshot.LeaseConfigs.Where(c => copied.Contains(c.Mount) && target.GetLeaseConfig(c.Mount) is null))
        {
            target.PutLeaseConfig(config);
        }

        foreach (var role in snapshot.Roles.Where(r => copied.Contains(r.Mount) && target.GetRole(r.Mount, r.Name) is null))
        {
            ct.ThrowIfCancellationRequested();
            target.UpdateRole(role.Mount, role.Name, existing => existing ?? role);
            added++;
        }

        added += target.ImportLeases(snapshot.Leases.Where(l => copied.Contains(l.Mount)));
        return added;
    }

    private static void ReportSkipped(StoreCopySummary summary)
    {
        if (summary.SkippedIntents + summary.SkippedCacheEntries > 0)
        {
            EngineOperation.Events.Warning(
                $"Not copied: {summary.SkippedIntents} intent(s) of issues still in progress (finished or recovered in the source) and "
                + $"{summary.SkippedCacheEntries} cached credential_process entr{(summary.SkippedCacheEntries == 1 ? "y" : "ies")} (sealed for this machine).");
        }

        if (summary.ExpiredLeases > 0)
        {
            EngineOperation.Events.Warning(
                $"Not copied: {summary.ExpiredLeases} expired lease(s). Their IAM users are removed by Revoke-Lease -Expired run against the source store.");
        }
    }

    /// <summary>Seals a root secret key under <paramref name="kmsKeyId"/> with the shared store's KMS sealer (its region and kmsEndpoint).</summary>
    private static byte[] SealWithKms(DynamoDbStoreLocation destination, string secret, string sealContext, string kmsKeyId)
    {
        var sealer = SecretSealers.ForSharedStore(destination);
        try
        {
            return ((IKeyedSecretSealer)sealer).Seal(secret, sealContext, kmsKeyId);
        }
        finally
        {
            (sealer as IDisposable)?.Dispose();
        }
    }
}
