using System.Security.Cryptography;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Store.Sealing;
using DynamicAwsCreds.Tests.Engine;
using Xunit;

namespace DynamicAwsCreds.Tests.Store;

/// <summary>DPAPI for the current user (Windows only; elsewhere these tests have nothing to check) and the choice of a file store's sealer.</summary>
public sealed class DpapiSealerTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void A_file_store_seals_with_dpapi_on_windows_and_with_its_key_file_elsewhere()
    {
        using var temp = new TempStore();
        var sealer = SecretSealers.ForFileStore(temp.StorePath);
        var sealedBytes = sealer.Seal(Secret, "root_config:aws");
        Assert.Equal(Secret, SecretSealers.ForFileStore(temp.StorePath).Open(sealedBytes, "root_config:aws"));
        if (OperatingSystem.IsWindows())
        {
            Assert.IsType<DpapiSealer>(sealer);
            Assert.Equal(DpapiSealer.Format, sealedBytes[0]);
            Assert.False(File.Exists(KeyFileSealer.ForStore(temp.StorePath).KeyFile));
        }
        else
        {
            Assert.Equal(KeyFileSealer.ForStore(temp.StorePath).KeyFile, Assert.IsType<KeyFileSealer>(sealer).KeyFile);
            Assert.Equal(KeyFileSealer.Format, sealedBytes[0]);
        }
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    public void Dpapi_seals_in_the_format_it_always_had_and_opens_only_in_its_context()
    {
        if (!OperatingSystem.IsWindows())
        {
            return;
        }

        using var temp = new TempStore();
        var sealer = new DpapiSealer(temp.StorePath);
        var sealedBytes = sealer.Seal(Secret, "root_config:aws");
        Assert.Equal(DpapiSealer.Format, sealedBytes[0]);
        var plain = ProtectedData.Unprotect(sealedBytes[1..], System.Text.Encoding.UTF8.GetBytes("root_config:aws"), DataProtectionScope.CurrentUser);
        Assert.Equal(Secret, System.Text.Encoding.UTF8.GetString(plain));
        Assert.Equal(Secret, sealer.Open(sealedBytes, "root_config:aws"));

        Assert.Equal("SecretUnreadable", Assert.Throws<EngineException>(() => sealer.Open(sealedBytes, "root_config:other")).Reason);
        sealedBytes[^1] ^= 0x01;
        Assert.Equal("SecretUnreadable", Assert.Throws<EngineException>(() => sealer.Open(sealedBytes, "root_config:aws")).Reason);
        Assert.Equal("SecretUnreadable", Assert.Throws<EngineException>(() => sealer.Open([KeyFileSealer.Format, .. new byte[40]], "c")).Reason);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    public void On_windows_a_value_sealed_with_the_key_file_still_opens()
    {
        if (!OperatingSystem.IsWindows())
        {
            return;
        }

        using var temp = new TempStore();
        var keyFileValue = KeyFileSealer.ForStore(temp.StorePath).Seal(Secret, "root_config:aws");
        Assert.Equal(Secret, SecretSealers.ForFileStore(temp.StorePath).Open(keyFileValue, "root_config:aws"));
    }
}
