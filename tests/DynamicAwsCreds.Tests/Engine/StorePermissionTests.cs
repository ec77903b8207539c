using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Sealing;
using DynamicAwsCreds.Engine.Store.Sqlite;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>An existing store folder, store file or key file that another account could change is refused, untouched.</summary>
public sealed class StorePermissionTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    [Theory]
    [InlineData(UnixFileMode.GroupWrite, "its group")]
    [InlineData(UnixFileMode.OtherWrite, "every user")]
    public void A_store_folder_writable_by_others_is_refused(UnixFileMode extra, string who)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var temp = new TempStore();
        SqliteLeaseStore.Open(temp.StorePath).Dispose();
        var mode = File.GetUnixFileMode(temp.Folder) | extra;
        File.SetUnixFileMode(temp.Folder, mode);
        var before = File.ReadAllBytes(temp.StorePath);

        var ex = Assert.Throws<EngineException>(() => SqliteLeaseStore.Open(temp.StorePath));
        Assert.Equal("StoreInsecure", ex.Reason);
        Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
        Assert.Equal(temp.Folder, ex.Target);
        Assert.Contains(who, ex.Message, StringComparison.Ordinal);
        Assert.Contains("chmod go-w", ex.Message, StringComparison.Ordinal);
        Assert.Equal(mode, File.GetUnixFileMode(temp.Folder));
        Assert.Equal(before, File.ReadAllBytes(temp.StorePath));
    }

    [Fact]
    public void A_store_file_or_key_file_writable_by_others_is_refused()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var temp = new TempStore();
        SqliteLeaseStore.Open(temp.StorePath).Dispose();
        File.SetUnixFileMode(temp.StorePath, File.GetUnixFileMode(temp.StorePath) | UnixFileMode.OtherWrite);
        Assert.Equal("StoreInsecure", Assert.Throws<EngineException>(() => SqliteLeaseStore.Open(temp.StorePath)).Reason);
        File.SetUnixFileMode(temp.StorePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var box = KeyFileSealer.ForStore(temp.StorePath);
        var sealedBytes = box.Seal(Secret, "root_config:aws");
        File.SetUnixFileMode(box.KeyFile, File.GetUnixFileMode(box.KeyFile) | UnixFileMode.GroupWrite);
        var ex = Assert.Throws<EngineException>(() => KeyFileSealer.ForStore(temp.StorePath).Open(sealedBytes, "root_config:aws"));
        Assert.Equal("StoreInsecure", ex.Reason);
        Assert.Equal(box.KeyFile, ex.Target);
    }

    [Fact]
    public void A_private_store_opens_and_a_new_key_file_is_private()
    {
        using var temp = new TempStore();
        SqliteLeaseStore.Open(temp.StorePath).Dispose();
        SqliteLeaseStore.Open(temp.StorePath).Dispose();
        var box = KeyFileSealer.ForStore(temp.StorePath);
        Assert.Equal(Secret, KeyFileSealer.ForStore(temp.StorePath).Open(box.Seal(Secret, "c"), "c"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(box.KeyFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(temp.Folder));
        }
    }
}
