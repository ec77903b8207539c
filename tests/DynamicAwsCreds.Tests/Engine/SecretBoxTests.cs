using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Store;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

public class SecretBoxTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void Seals_and_opens_without_the_plaintext_in_the_ciphertext()
    {
        using var temp = new TempStore();
        var box = SecretBox.ForStore(temp.StorePath);
        var sealedBytes = box.Seal(Secret, "root_config:aws");
        Assert.DoesNotContain(Secret, System.Text.Encoding.Latin1.GetString(sealedBytes));
        Assert.Equal(Secret, new SecretBox(box.KeyFile).Open(sealedBytes, "root_config:aws"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(box.KeyFile));
        }
    }

    [Fact]
    public void A_ciphertext_moved_to_another_mount_does_not_open()
    {
        using var temp = new TempStore();
        var box = SecretBox.ForStore(temp.StorePath);
        var sealedBytes = box.Seal(Secret, "root_config:aws");
        var ex = Assert.Throws<EngineException>(() => box.Open(sealedBytes, "root_config:other"));
        Assert.Equal("SecretUnreadable", ex.Reason);
        Assert.DoesNotContain(Secret, ex.Message);
    }

    [Fact]
    public void A_missing_key_file_is_a_clear_error_naming_the_file()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var temp = new TempStore();
        var box = SecretBox.ForStore(temp.StorePath);
        var sealedBytes = box.Seal(Secret, "root_config:aws");
        File.Delete(box.KeyFile);
        var ex = Assert.Throws<EngineException>(() => new SecretBox(box.KeyFile).Open(sealedBytes, "root_config:aws"));
        Assert.Equal("SecretUnreadable", ex.Reason);
        Assert.Contains(box.KeyFile, ex.Message);
    }

    [Fact]
    public void A_lost_key_file_never_becomes_a_new_key_that_orphans_the_stored_secret()
    {
        using var temp = new TempStore();
        using (var engine = new CredsEngine(temp.StorePath))
        {
            engine.EnableMount("aws", null, null, null, null);
            engine.EnableMount("aws", "other", null, null, null);
            engine.SetRootConfig(null, new DynamicAwsCreds.Engine.Config.RootConfigInput { AccessKey = "AKIDEXAMPLE00000", SecretKey = Secret });
        }

        var keyFile = SecretBox.ForStore(temp.StorePath).KeyFile;
        File.Delete(keyFile);
        using var again = new CredsEngine(temp.StorePath);
        var ex = Assert.Throws<EngineException>(() =>
            again.SetRootConfig("other", new DynamicAwsCreds.Engine.Config.RootConfigInput { AccessKey = "AKIDEXAMPLE00001", SecretKey = Secret }));
        Assert.Equal("SecretUnreadable", ex.Reason);
        Assert.Contains(keyFile, ex.Message);
        Assert.False(File.Exists(keyFile));
        Assert.Null(again.GetRootConfig("other").AccessKey);
    }

    [Fact]
    public void A_mismatched_key_file_is_a_clear_error_naming_it()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var temp = new TempStore();
        var box = SecretBox.ForStore(temp.StorePath);
        var sealedBytes = box.Seal(Secret, "root_config:aws");
        File.WriteAllBytes(box.KeyFile, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var ex = Assert.Throws<EngineException>(() => new SecretBox(box.KeyFile).Open(sealedBytes, "root_config:aws"));
        Assert.Equal("SecretUnreadable", ex.Reason);
        Assert.Contains(box.KeyFile, ex.Message);
        Assert.DoesNotContain(Secret, ex.ToString());
    }
}
