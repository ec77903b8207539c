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
}
