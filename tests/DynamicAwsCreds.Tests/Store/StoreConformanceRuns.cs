using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Memory;
using DynamicAwsCreds.Engine.Store.Sqlite;
using DynamicAwsCreds.Tests.Engine;
using Xunit;

namespace DynamicAwsCreds.Tests.Store;

/// <summary>The conformance suite on SQLite stores in a temporary folder.</summary>
public sealed class SqliteLeaseStoreConformance : LeaseStoreConformance
{
    private readonly TempStore _temp = new();
    private int _opened;

    protected override ILeaseStore CreateStore() =>
        SqliteLeaseStore.Open(Path.Combine(_temp.Folder, $"store{Interlocked.Increment(ref _opened)}.db"));

    protected override void CleanUp() => _temp.Dispose();
}

/// <summary>The conformance suite on in-memory stores.</summary>
public sealed class InMemoryLeaseStoreConformance : LeaseStoreConformance
{
    protected override ILeaseStore CreateStore() => new InMemoryLeaseStore();
}

/// <summary>The conformance suite on DynamoDB stores, each in a fresh table of the run's dynalite.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class DynamoDbLeaseStoreConformance(DynaliteServer dynalite) : LeaseStoreConformance
{
    protected override ILeaseStore CreateStore() => dynalite.Open();
}
