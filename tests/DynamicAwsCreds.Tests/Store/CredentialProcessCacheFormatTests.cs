using System.Security.Cryptography;
using System.Text;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Sealing;
using DynamicAwsCreds.Shared;
using DynamicAwsCreds.Tests.Engine;
using Xunit;

namespace DynamicAwsCreds.Tests.Store;

/// <summary>
/// The credential_process cache entry format (src/Shared/CredentialProcessCache.cs) that the engine writes and the
/// native helper reads: round trips, what no edit or move survives, what a reader refuses, and that the engine's
/// sealer and reuse rule are the format's own.
/// </summary>
public sealed class CredentialProcessCacheFormatTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private const string Token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_123);
    private static readonly string Name = CredentialProcessCache.EntryName("aws", "dev");

    private static CacheEntry Sealed(CacheEntry entry) =>
        entry with { Sealed = CredentialProcessCache.Seal(Key, CredentialProcessCache.SecretsJson(Secret, Token), CredentialProcessCache.SealingContext(Name, entry)) };

    private static CacheEntry Entry() =>
        Sealed(new CacheEntry("aws", "dev", "aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA", "AKIDEXAMPLE1234567890", Start, Start.AddHours(1), []));

    private static bool Opens(CacheEntry entry, string name = "") =>
        CredentialProcessCache.TryOpen(Key, entry.Sealed, CredentialProcessCache.SealingContext(name.Length == 0 ? Name : name, entry)) is not null;

    [Fact]
    public void An_entry_round_trips_and_opens_to_its_secrets_with_none_in_plaintext()
    {
        var entry = Entry();
        var bytes = CredentialProcessCache.Write(entry);
        var read = CredentialProcessCache.TryRead(bytes)!;
        Assert.Equal(entry with { Sealed = [] }, read with { Sealed = [] });
        Assert.Equal(entry.Sealed, read.Sealed);

        var json = CredentialProcessCache.TryOpen(Key, read.Sealed, CredentialProcessCache.SealingContext(Name, read));
        Assert.True(CredentialProcessCache.TryReadSecrets(json, out var secret, out var token));
        Assert.Equal((Secret, Token), (secret, token));
        var text = Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{64}\\.entry$", Name);
        Assert.Equal(Name, CredentialProcessCache.EntryName("aws/", "dev"));
    }

    [Fact]
    public void Changing_any_plaintext_field_or_the_file_name_makes_the_opening_fail()
    {
        var entry = Entry();
        Assert.True(Opens(entry));
        CacheEntry[] edited =
        [
            entry with { Mount = "other" },
            entry with { Role = "ops" },
            entry with { LeaseId = "aws/creds/dev/BBBBBBBBBBBBBBBBBBBBBBBB" },
            entry with { AccessKeyId = "AKIDEXAMPLE0000000000" },
            entry with { TermStart = entry.TermStart.AddMilliseconds(-1) },
            entry with { Expires = entry.Expires.AddHours(1) },
        ];
        Assert.All(edited, e => Assert.False(Opens(e)));
        Assert.False(Opens(entry, CredentialProcessCache.EntryName("aws", "ops")));
        Assert.Null(CredentialProcessCache.TryOpen(RandomNumberGenerator.GetBytes(32), entry.Sealed, CredentialProcessCache.SealingContext(Name, entry)));
    }

    [Fact]
    public void Another_format_a_missing_or_extra_field_or_a_truncated_file_is_no_entry()
    {
        var text = Encoding.UTF8.GetString(CredentialProcessCache.Write(Entry()));
        Assert.Contains("\"Format\":1,", text, StringComparison.Ordinal);
        Assert.Null(CredentialProcessCache.TryRead(Encoding.UTF8.GetBytes(text.Replace("\"Format\":1,", "\"Format\":2,", StringComparison.Ordinal))));
        Assert.Null(CredentialProcessCache.TryRead(Encoding.UTF8.GetBytes(text.Replace("\"Format\":1,", string.Empty, StringComparison.Ordinal))));
        Assert.Null(CredentialProcessCache.TryRead(Encoding.UTF8.GetBytes(text.Replace("{", "{\"Extra\":\"x\",", StringComparison.Ordinal))));
        Assert.Null(CredentialProcessCache.TryRead(Encoding.UTF8.GetBytes(text.Replace(".123Z", "Z", StringComparison.Ordinal))));
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Null(CredentialProcessCache.TryRead(bytes.AsSpan(0, length)));
        }
    }

    [Fact]
    public void The_key_file_sealer_seals_in_the_format_s_own_AES_GCM()
    {
        using var temp = new TempStore();
        var sealer = KeyFileSealer.ForStore(temp.StorePath);
        var sealedValue = sealer.Seal(Secret, "root_config:aws");
        Assert.Equal(CredentialProcessCache.KeyFile(temp.StorePath), sealer.KeyFile);
        var key = File.ReadAllBytes(sealer.KeyFile);
        Assert.Equal(Secret, Encoding.UTF8.GetString(CredentialProcessCache.TryOpen(key, sealedValue, "root_config:aws")!));
        var byFormat = CredentialProcessCache.Seal(key, Encoding.UTF8.GetBytes(Secret), "root_config:aws");
        Assert.Equal(Secret, sealer.Open(byFormat, "root_config:aws"));
    }

    [Theory]
    [InlineData(10, 4, true)]
    [InlineData(10, 5, false)]
    [InlineData(60, 44, true)]
    [InlineData(60, 45, false)]
    public void The_store_s_reuse_rule_is_the_format_s(int termMinutes, int atMinute, bool reusable)
    {
        var lease = new LeaseRecord("aws/creds/dev/AAAAAAAAAAAAAAAAAAAAAAAA", "aws", "dev", "iam_user", LeaseState.Active,
            Start, Start.AddMinutes(termMinutes), Start.AddHours(2), null, true, "vault-x", "AKIDEXAMPLE", null, null);
        var now = Start.AddMinutes(atMinute);
        Assert.Equal(reusable, CredentialCache.IsReusable(lease, now));
        Assert.Equal(reusable, CredentialProcessCache.IsReusable(Start, lease.ExpireTime, now));
    }
}
