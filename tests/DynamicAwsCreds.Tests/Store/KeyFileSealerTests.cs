using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Store.Sealing;
using DynamicAwsCreds.Tests.Engine;
using Xunit;

namespace DynamicAwsCreds.Tests.Store;

/// <summary>AES-256-GCM with the key file beside the store: the sealer of file stores off Windows.</summary>
public sealed class KeyFileSealerTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    /// <summary>
    /// <see cref="Secret"/> sealed for "root_config:aws" by the module before the sealers were split (SecretBox), with
    /// the key file of bytes 0 to 31: stores and key files written then must still open.
    /// </summary>
    private const string SealedBySecretBox =
        "01DD1C63D42A178045EAE4BE4BDDC86332367F18C66B813030A1A7A94632F3B3C00E6EEFC081A4779632CE14BE32B275D10AB833C9F1A4D024C2D15D99748CF3B3B38CFDE5";

    private static void Expect(string why, Action open)
    {
        var ex = Assert.Throws<EngineException>(open);
        Assert.Equal("SecretUnreadable", ex.Reason);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Seals_and_opens_without_the_plaintext_in_the_ciphertext()
    {
        using var temp = new TempStore();
        var box = KeyFileSealer.ForStore(temp.StorePath);
        Assert.Equal(Path.Combine(temp.Folder, "store.key"), box.KeyFile);
        var sealedBytes = box.Seal(Secret, "root_config:aws");
        Assert.Equal(KeyFileSealer.Format, sealedBytes[0]);
        Assert.DoesNotContain(Secret, System.Text.Encoding.Latin1.GetString(sealedBytes));
        Assert.NotEqual(sealedBytes, box.Seal(Secret, "root_config:aws"));
        Assert.Equal(Secret, new KeyFileSealer(box.KeyFile).Open(sealedBytes, "root_config:aws"));
        Assert.Equal(string.Empty, box.Open(box.Seal(string.Empty, "c"), "c"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(box.KeyFile));
        }
    }

    [Fact]
    public void A_value_sealed_before_the_sealers_were_split_still_opens()
    {
        using var temp = new TempStore();
        Directory.CreateDirectory(temp.Folder);
        var keyFile = Path.Combine(temp.Folder, "store.key");
        File.WriteAllBytes(keyFile, Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Assert.Equal(Secret, KeyFileSealer.ForStore(temp.StorePath).Open(Convert.FromHexString(SealedBySecretBox), "root_config:aws"));
    }

    [Fact]
    public void A_ciphertext_moved_to_another_mount_does_not_open()
    {
        using var temp = new TempStore();
        var box = KeyFileSealer.ForStore(temp.StorePath);
        var sealedBytes = box.Seal(Secret, "root_config:aws");
        Expect("decryption failed", () => box.Open(sealedBytes, "root_config:other"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(20)]
    [InlineData(40)]
    public void A_tampered_ciphertext_does_not_open(int at)
    {
        using var temp = new TempStore();
        var box = KeyFileSealer.ForStore(temp.StorePath);
        var sealedBytes = box.Seal(Secret, "root_config:aws");
        sealedBytes[at] ^= 0x01;
        Expect(at == 0 ? "format" : "decryption failed", () => box.Open(sealedBytes, "root_config:aws"));
        Expect("format", () => box.Open(sealedBytes[..28], "root_config:aws"));
        Expect("empty", () => box.Open([], "root_config:aws"));
    }

    [Fact]
    public void A_value_of_another_mechanism_is_refused_by_name()
    {
        using var temp = new TempStore();
        var box = KeyFileSealer.ForStore(temp.StorePath);
        Expect("format or on a platform", () => box.Open([2, .. new byte[40]], "root_config:aws"));
    }

    [Fact]
    public void A_missing_key_file_is_a_clear_error_naming_the_file()
    {
        using var temp = new TempStore();
        var box = KeyFileSealer.ForStore(temp.StorePath);
        var sealedBytes = box.Seal(Secret, "root_config:aws");
        File.Delete(box.KeyFile);
        Expect(box.KeyFile, () => new KeyFileSealer(box.KeyFile).Open(sealedBytes, "root_config:aws"));
        Assert.False(File.Exists(box.KeyFile));
    }

    [Fact]
    public void A_missing_key_file_is_not_made_again_while_sealed_secrets_exist()
    {
        using var temp = new TempStore();
        var box = KeyFileSealer.ForStore(temp.StorePath, sealedSecretsExist: () => true);
        Expect("holds secrets sealed with it", () => box.Seal(Secret, "root_config:aws"));
        Assert.False(File.Exists(box.KeyFile));

        var fresh = KeyFileSealer.ForStore(temp.StorePath, sealedSecretsExist: () => false);
        Assert.Equal(Secret, fresh.Open(fresh.Seal(Secret, "c"), "c"));
        Assert.True(File.Exists(fresh.KeyFile));
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

        var keyFile = KeyFileSealer.ForStore(temp.StorePath).KeyFile;
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
    public void A_mismatched_or_short_key_file_is_a_clear_error_naming_it()
    {
        using var temp = new TempStore();
        var box = KeyFileSealer.ForStore(temp.StorePath);
        var sealedBytes = box.Seal(Secret, "root_config:aws");
        File.WriteAllBytes(box.KeyFile, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        Expect(box.KeyFile, () => new KeyFileSealer(box.KeyFile).Open(sealedBytes, "root_config:aws"));
        File.WriteAllBytes(box.KeyFile, new byte[16]);
        Expect("holds 16 bytes, not 32", () => new KeyFileSealer(box.KeyFile).Open(sealedBytes, "root_config:aws"));
    }

    [Fact]
    public void Sealers_racing_to_make_the_key_file_all_succeed_and_agree_on_one_key()
    {
        for (var round = 0; round < 20; round++)
        {
            using var temp = new TempStore();
            var sealers = Enumerable.Range(0, 8).Select(_ => KeyFileSealer.ForStore(temp.StorePath)).ToArray();
            var sealedValues = Together.Run(sealers.Length, i => sealers[i].Seal(Secret, "c"));
            Assert.All(sealedValues, v => Assert.Equal(Secret, KeyFileSealer.ForStore(temp.StorePath).Open(v, "c")));
            Assert.Equal([sealers[0].KeyFile, sealers[0].KeyFile + ".lock"], Directory.GetFiles(temp.Folder).Order());
        }
    }
}
