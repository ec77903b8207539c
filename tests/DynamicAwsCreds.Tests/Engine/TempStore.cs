namespace DynamicAwsCreds.Tests.Engine;

/// <summary>A store path in its own temporary folder, removed afterwards.</summary>
public sealed class TempStore : IDisposable
{
    public TempStore()
    {
        Folder = Path.Combine(Path.GetTempPath(), "dac-xunit-" + Guid.NewGuid().ToString("n"));
        StorePath = Path.Combine(Folder, "store.db");
    }

    public string Folder { get; }
    public string StorePath { get; }

    /// <summary>Every byte under the store folder, for "no secret here" checks.</summary>
    public string AllBytesAsLatin1() =>
        string.Concat(Directory.GetFiles(Folder).Select(f => System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f))));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
