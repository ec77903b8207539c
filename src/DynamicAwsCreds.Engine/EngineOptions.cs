using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.DynamoDb;
using DynamicAwsCreds.Engine.Store.Sealing;
using DynamicAwsCreds.Engine.Store.Sqlite;

namespace DynamicAwsCreds.Engine;

/// <summary>What a <see cref="CredsEngine"/> is opened from: its store, how it seals secrets, how it reaches AWS, its clock and the name it issues under.</summary>
public sealed record EngineOptions
{
    /// <summary>The store, opened on first use, so making an engine touches no disk. The engine disposes it.</summary>
    public required Lazy<ILeaseStore> Store { get; init; }

    /// <summary>Where the store lives, as a user would name it (shown by Get-SecretsEngine), known without opening it.</summary>
    public required string StoreLocation { get; init; }

    /// <summary>The kind of store, as Get-SecretsEngine names it (<see cref="Store.StoreLocation.Kind"/>).</summary>
    public string StoreKind { get; init; } = "SQLite";

    public required ISecretSealer Sealer { get; init; }

    /// <summary>
    /// The SQLite store's file, for a store that is one (null otherwise). With a <see cref="KeyFileSealer"/> on its own key
    /// file, the engine keeps the credential_process cache files beside it (docs/CREDENTIAL-PROCESS-CACHE.md).
    /// </summary>
    public string? SqliteStorePath { get; init; }

    /// <summary>A store many hosts share (DynamoDB): root keys are sealed only with KMS, never with a per-machine key.</summary>
    public bool SharedStore { get; init; }

    /// <summary>Builds each mount's IAM and STS clients; by default the Query clients, reporting each call as a verbose line.</summary>
    public IAwsClientFactory AwsClients { get; init; } = new AwsClientFactory(line => EngineOperation.Events.Verbose(line));

    /// <summary>The engine's clock; every time it hands out or stores is cut to whole milliseconds.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The name put into IAM user and session names (Vault's display name).</summary>
    public string DisplayName { get; init; } = Environment.UserName;

    /// <summary>
    /// This host's identity in the owners of the leases it works on (intents, claims). Null: DYNAMICAWSCREDS_HOST_ID,
    /// else the machine name. Hosts sharing a store need distinct ids.
    /// </summary>
    public string? HostId { get; init; }

    /// <summary>
    /// How long an owner stays alive without a heartbeat: an intent or claim whose deadline passed may be taken over by
    /// any host. Null: DYNAMICAWSCREDS_INTENT_DEADLINE (a duration such as "2m"), else 2 minutes; read when first
    /// needed, so a malformed value is that call's DynamicAwsCreds.InvalidIntentDeadline error.
    /// </summary>
    public TimeSpan? IntentDeadline { get; init; }

    /// <summary>The per-user SQLite store at <paramref name="storePath"/> (default: <see cref="StoreFiles.DefaultStorePath"/>), its secrets sealed beside it.</summary>
    public static EngineOptions ForSqlite(string? storePath = null)
    {
        var path = Path.GetFullPath(storePath ?? StoreFiles.DefaultStorePath());
        var store = new Lazy<ILeaseStore>(() => SqliteLeaseStore.Open(path));
        return new EngineOptions
        {
            Store = store,
            StoreLocation = path,
            SqliteStorePath = path,
            // A missing key file while sealed secrets exist is an error, never a fresh key that silently orphans them.
            Sealer = SecretSealers.ForFileStore(path, () => store.Value.HasSealedSecrets()),
        };
    }

    /// <summary>The store at <paramref name="location"/>: <see cref="ForSqlite"/> for a file; a DynamoDB table opened on first use, its root keys sealed with KMS.</summary>
    public static EngineOptions ForLocation(Store.StoreLocation location) => location switch
    {
        SqliteStoreLocation file => ForSqlite(file.Path),
        DynamoDbStoreLocation table => new EngineOptions
        {
            Store = new Lazy<ILeaseStore>(() => DynamoDbLeaseStore.Open(table)),
            StoreLocation = table.Display,
            StoreKind = table.Kind,
            Sealer = SecretSealers.ForSharedStore(table),
            SharedStore = true,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(location), location.GetType().Name, "Not a store location this engine opens."),
    };
}

/// <summary>A clock given as a function (the engine's convenience constructor takes one).</summary>
internal sealed class FunctionTimeProvider(Func<DateTimeOffset> now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now();
}
