using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Store;
using Xunit;

namespace DynamicAwsCreds.Tests.Store;

/// <summary>DYNAMICAWSCREDS_STORE's forms: a file path or a dynamodb:// table URI; anything malformed is InvalidStoreLocation and opens nothing.</summary>
public sealed class StoreLocationTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_is_the_OS_users_SQLite_store(string? value)
    {
        var location = Assert.IsType<SqliteStoreLocation>(StoreLocation.Parse(value));
        Assert.Equal(Path.GetFullPath(StoreFiles.PerUserStorePath()), location.Path);
        Assert.Equal("SQLite", location.Kind);
        Assert.False(location.Shared);
    }

    [Theory]
    [InlineData("store.db")]
    [InlineData("./team/store.db")]
    [InlineData("C://store.db")]
    public void A_file_path_is_made_full(string value)
    {
        var location = Assert.IsType<SqliteStoreLocation>(StoreLocation.Parse(value));
        Assert.Equal(Path.GetFullPath(value), location.Path);
        Assert.Equal(location.Path, location.Display);
    }

    [Fact]
    public void An_absolute_path_stays_as_it_is()
    {
        var path = Path.Combine(Path.GetTempPath(), "dac", "store.db");
        Assert.Equal(new SqliteStoreLocation(path), StoreLocation.Parse(path));
    }

    [Theory]
    [InlineData("dynamodb://leases?region=us-east-1", "leases", "us-east-1", null, null)]
    [InlineData("DynamoDB://Team.Leases-2_x?region=eu-west-2", "Team.Leases-2_x", "eu-west-2", null, null)]
    [InlineData("dynamodb://abc?endpoint=http://127.0.0.1:8000&region=us-gov-west-1", "abc", "us-gov-west-1", "http://127.0.0.1:8000/", null)]
    [InlineData("dynamodb://abc?region=cn-north-1&kmsEndpoint=https%3A%2F%2Fkms.local%3A4443", "abc", "cn-north-1", null, "https://kms.local:4443/")]
    [InlineData("dynamodb://abc?REGION=us-east-1&endpoint=https://vpce.example/ddb&kmsendpoint=http://localhost:9", "abc", "us-east-1", "https://vpce.example/ddb", "http://localhost:9/")]
    public void A_dynamodb_uri_names_a_table_keeping_its_case(string value, string table, string region, string? endpoint, string? kms)
    {
        var location = Assert.IsType<DynamoDbStoreLocation>(StoreLocation.Parse(value));
        Assert.Equal(table, location.Table);
        Assert.Equal(region, location.Region);
        Assert.Equal(endpoint, location.Endpoint?.ToString());
        Assert.Equal(kms, location.KmsEndpoint?.ToString());
        Assert.Equal("DynamoDB", location.Kind);
        Assert.True(location.Shared);
    }

    [Theory]
    [InlineData("dynamodb://leases?region=us-east-1")]
    [InlineData("dynamodb://leases?region=us-east-1&endpoint=http://127.0.0.1:8000")]
    [InlineData("dynamodb://leases?region=us-east-1&endpoint=https://vpce.example/ddb&kmsEndpoint=http://127.0.0.1:4599")]
    public void Display_reads_back_as_the_same_location(string value)
    {
        var location = StoreLocation.Parse(value);
        Assert.Equal(value, location.Display);
        Assert.Equal(location, StoreLocation.Parse(location.Display));
    }

    [Fact]
    public void A_table_name_of_255_characters_is_allowed()
    {
        var table = new string('t', 255);
        Assert.Equal(table, Assert.IsType<DynamoDbStoreLocation>(StoreLocation.Parse($"dynamodb://{table}?region=us-east-1")).Table);
    }

    [Theory]
    [InlineData("dynamodb://", "not a DynamoDB table name")]
    [InlineData("dynamodb://ab?region=us-east-1", "not a DynamoDB table name")]
    [InlineData("dynamodb://lea$es?region=us-east-1", "not a DynamoDB table name")]
    [InlineData("dynamodb://lea%20ses?region=us-east-1", "not a DynamoDB table name")]
    [InlineData("dynamodb://leases:8000?region=us-east-1", "not a DynamoDB table name")]
    [InlineData("dynamodb://leases", "region is missing")]
    [InlineData("dynamodb://leases?", "region is missing")]
    [InlineData("dynamodb://leases?endpoint=http://127.0.0.1:8000", "region is missing")]
    [InlineData("dynamodb://leases?region=", "has no value")]
    [InlineData("dynamodb://leases?region", "has no value")]
    [InlineData("dynamodb://leases?region=US-EAST-1", "not an AWS region name")]
    [InlineData("dynamodb://leases?region=useast1", "not an AWS region name")]
    [InlineData("dynamodb://leases?region=us-east-1&region=us-west-2", "given twice")]
    [InlineData("dynamodb://leases?region=us-east-1&Region=us-east-1", "given twice")]
    [InlineData("dynamodb://leases?region=us-east-1&profile=dev", "'profile' is not a setting")]
    [InlineData("dynamodb://leases?region=us-east-1&", "empty query part")]
    [InlineData("dynamodb://leases?&region=us-east-1", "empty query part")]
    [InlineData("dynamodb://leases/prefix?region=us-east-1", "a path after the table")]
    [InlineData("dynamodb://leases/?region=us-east-1", "a path after the table")]
    [InlineData("dynamodb://leases?region=us-east-1#top", "fragment")]
    [InlineData("dynamodb://admin@leases?region=us-east-1", "user-info")]
    [InlineData("dynamodb://leases?region=us-east-1&endpoint=127.0.0.1:8000", "not an absolute http or https URL")]
    [InlineData("dynamodb://leases?region=us-east-1&endpoint=/local", "not an absolute http or https URL")]
    [InlineData("dynamodb://leases?region=us-east-1&endpoint=ftp://127.0.0.1", "not an absolute http or https URL")]
    [InlineData("dynamodb://leases?region=us-east-1&kmsEndpoint=file:///tmp/kms", "not an absolute http or https URL")]
    [InlineData("dynamodb://leases?region=us-east-1&endpoint=http://127.0.0.1:8000/?x=1", "without user info, query or fragment")]
    [InlineData("dynamodb://leases?region=us-east-1&endpoint=http%3A%2F%2Fu%3Ap%40127.0.0.1", "without user info, query or fragment")]
    [InlineData("dynamodb://leases?region=us-east-1&endpoint=%zz", "not an absolute http or https URL")]
    [InlineData("dynamo://leases?region=us-east-1", "'dynamo://' is not a store this module knows")]
    [InlineData("https://dynamodb.us-east-1.amazonaws.com/leases", "'https://' is not a store this module knows")]
    [InlineData("file:///tmp/store.db", "'file://' is not a store this module knows")]
    [InlineData("sqlite://store.db", "'sqlite://' is not a store this module knows")]
    public void Malformed_is_InvalidStoreLocation_naming_the_variable_and_the_form(string value, string why)
    {
        var ex = Assert.Throws<EngineException>(() => StoreLocation.Parse(value));
        Assert.Equal("InvalidStoreLocation", ex.Reason);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains(why, ex.Message);
        Assert.Contains("DYNAMICAWSCREDS_STORE", ex.Message);
        Assert.Contains("dynamodb://<table>?region=<region>[&endpoint=<url>][&kmsEndpoint=<url>]", ex.Message);
    }

    [Fact]
    public void A_folder_path_is_refused()
    {
        var ex = Assert.Throws<EngineException>(() => StoreLocation.Parse(Path.GetTempPath()));
        Assert.Equal("InvalidStoreLocation", ex.Reason);
        Assert.Contains("names a folder", ex.Message);
    }

    [Theory]
    [InlineData("dynamodb://user:hunter2@leases?region=us-east-1")]
    [InlineData("dynamodb://leases?region=us-east-1&endpoint=http://user:hunter2@127.0.0.1:8000")]
    [InlineData("https://user:hunter2@example.com/store")]
    public void A_user_info_part_never_shows_in_the_error(string value)
    {
        var ex = Assert.Throws<EngineException>(() => StoreLocation.Parse(value));
        Assert.Equal("InvalidStoreLocation", ex.Reason);
        Assert.DoesNotContain("hunter2", ex.Message);
        Assert.DoesNotContain("hunter2", (string)ex.Target!);
    }

    [Fact]
    public void A_SQLite_location_opens_as_ForSqlite_does_and_touches_no_disk()
    {
        var path = Path.Combine(Path.GetTempPath(), "dac-xunit-" + Guid.NewGuid().ToString("n"), "store.db");
        var options = EngineOptions.ForLocation(new SqliteStoreLocation(path));
        Assert.Equal(path, options.StoreLocation);
        Assert.Equal("SQLite", options.StoreKind);
        Assert.False(options.SharedStore);
        Assert.False(options.Store.IsValueCreated);
        Assert.False(File.Exists(path));
    }
}
