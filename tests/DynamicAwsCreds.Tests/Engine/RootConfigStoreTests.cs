using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Sqlite;
using Microsoft.Data.Sqlite;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>The root config's STS settings, endpoint vetting and generation as the store keeps them.</summary>
public sealed class RootConfigStoreTests
{
    [Fact]
    public void Sts_settings_and_vetting_round_trip_and_every_write_renews_the_generation()
    {
        using var temp = new TempStore();
        using var store = SqliteLeaseStore.Open(temp.StorePath);
        Assert.True(store.TryAddMount(new MountRecord("aws", "aws", null, null, null, DateTimeOffset.UtcNow)));
        Assert.Null(store.GetRootConfigGeneration("aws"));

        var record = new RootConfigRecord("aws", null, null, "eu-west-1", null, "https://sts.corp.example/", null, null)
        {
            StsRegion = "eu-central-1",
            StsFallbackEndpoints = ["https://sts.eu-west-2.amazonaws.com/", "https://sts.eu-west-3.amazonaws.com/"],
            StsFallbackRegions = ["eu-west-2", "eu-west-3"],
            EndpointsVetted = true,
        };
        store.PutRootConfig(record);
        var first = store.GetRootConfig("aws")!;
        Assert.Equal("eu-central-1", first.StsRegion);
        Assert.Equal(record.StsFallbackEndpoints, first.StsFallbackEndpoints);
        Assert.Equal(record.StsFallbackRegions, first.StsFallbackRegions);
        Assert.True(first.EndpointsVetted);
        Assert.Equal(first.Generation, store.GetRootConfigGeneration("aws"));

        store.PutRootConfig(first);
        Assert.NotEqual(first.Generation, store.GetRootConfigGeneration("aws"));

        // A mount disabled and enabled again has a new config, never the generation an engine may still hold.
        store.RemoveMount("aws");
        Assert.Null(store.GetRootConfigGeneration("aws"));
    }

    [Fact]
    public void A_root_config_from_before_the_endpoint_rules_is_upgraded_unvetted()
    {
        using var temp = new TempStore();
        Directory.CreateDirectory(temp.Folder);
        using (var c = new SqliteConnection($"Data Source={temp.StorePath};Pooling=False"))
        {
            c.Open();
            Schema.Migrate(c, temp.StorePath, target: 5);
            using var insert = c.CreateCommand();
            insert.CommandText = """
                INSERT INTO mounts (path, type, created_at) VALUES ('aws', 'aws', 0);
                INSERT INTO root_config (mount, iam_endpoint) VALUES ('aws', 'https://iam.corp.example/');
                """;
            insert.ExecuteNonQuery();
        }

        using var store = SqliteLeaseStore.Open(temp.StorePath);
        var config = store.GetRootConfig("aws")!;
        Assert.Equal("https://iam.corp.example/", config.IamEndpoint);
        Assert.False(config.EndpointsVetted);
        Assert.Null(config.StsRegion);
        Assert.Empty(config.StsFallbackEndpoints);
        Assert.Equal(0, store.GetRootConfigGeneration("aws"));
    }
}
