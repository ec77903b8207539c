using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Memory;
using DynamicAwsCreds.Engine.Store.Sealing;
using DynamicAwsCreds.Shared;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>
/// The credential_process cache files the engine writes beside a SQLite store sealed with its key file: which
/// requests write one, what it holds, and which stores and folders get none.
/// </summary>
public sealed class CredentialProcessFilesTests : EngineTestBase
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = OwnerOnlyFile | UnixFileMode.UserExecute;

    protected override void Configure() => CacheFileChecks.AddRoles(Engine);

    private string CacheFolder => CredentialProcessCache.CacheFolder(Temp.StorePath);

    private Task<IssuedCredential> Cached(string role = "dev", TimeSpan? ttl = null, StsOptions? sts = null, IOperationEvents? events = null) =>
        Engine.GetOrIssueCachedCredentialAsync(null, role, ttl, sts ?? new StsOptions(), events, CancellationToken.None);

    [Fact]
    public async Task A_plain_request_writes_one_owner_only_entry_whose_secrets_open_to_the_issued_ones()
    {
        var issued = await Cached();

        var file = Assert.Single(Directory.GetFiles(CacheFolder));
        Assert.Equal(CredentialProcessCache.EntryName("aws", "dev"), Path.GetFileName(file));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(file));
            Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(CacheFolder));
        }

        var entry = CacheFileChecks.Read(Temp.StorePath, "aws", "dev")!;
        Assert.Equal(("aws", "dev", issued.Lease.LeaseId, issued.AccessKeyId), (entry.Mount, entry.Role, entry.LeaseId, entry.AccessKeyId));
        Assert.Equal((issued.Lease.IssueTime, issued.Lease.ExpireTime), (entry.TermStart, entry.Expires));
        Assert.Equal((issued.SecretAccessKey, (string?)null), CacheFileChecks.Open(Temp.StorePath, "aws", "dev"));
        Assert.DoesNotContain(issued.SecretAccessKey, File.ReadAllText(file), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_STS_entry_seals_its_session_token_too()
    {
        Engine.SetRole(null, "fed", new RoleInput { CredentialType = "federation_token", PolicyArns = [ReadOnly] });
        var issued = await Cached("fed");

        Assert.NotNull(issued.SessionToken);
        Assert.Equal((issued.SecretAccessKey, issued.SessionToken), CacheFileChecks.Open(Temp.StorePath, "aws", "fed"));
        var text = File.ReadAllText(Path.Combine(CacheFolder, CredentialProcessCache.EntryName("aws", "fed")));
        Assert.DoesNotContain(issued.SecretAccessKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(issued.SessionToken!, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_with_a_ttl_role_arn_or_session_name_writes_none()
    {
        var a = await CreateRoleAsync("a");
        var b = await CreateRoleAsync("b");
        Engine.SetRole(null, "deploy", new RoleInput { CredentialType = "assumed_role", RoleArns = [a, b] });

        await Cached(ttl: TimeSpan.FromHours(2));
        await Cached("deploy", sts: new StsOptions(RoleArn: a));
        await Cached("deploy", sts: new StsOptions(RoleArn: a, RoleSessionName: "alice"));
        Assert.False(Directory.Exists(CacheFolder));
    }

    [Fact]
    public async Task A_hit_from_the_store_writes_the_entry_again_with_the_lease_s_current_term()
    {
        var issued = await Cached();
        var file = Path.Combine(CacheFolder, CredentialProcessCache.EntryName("aws", "dev"));
        File.Delete(file);
        Assert.Equal(issued.Lease.LeaseId, (await Cached()).Lease.LeaseId);
        Assert.Equal(issued.Lease.LeaseId, CacheFileChecks.Read(Temp.StorePath, "aws", "dev")!.LeaseId);

        // A damaged entry is replaced whole, and a renewed lease's entry starts its term at the renewal.
        File.WriteAllText(file, "{\"Format\":1,");
        Now += TimeSpan.FromMinutes(10);
        var renewed = await Engine.RenewLeaseAsync(issued.Lease.LeaseId, TimeSpan.FromHours(1), null, CancellationToken.None);
        Assert.Equal(issued.Lease.LeaseId, (await Cached()).Lease.LeaseId);
        var entry = CacheFileChecks.Read(Temp.StorePath, "aws", "dev")!;
        Assert.Equal((Now, renewed.Lease.ExpireTime), (entry.TermStart, entry.Expires));
        Assert.Equal(issued.SecretAccessKey, CacheFileChecks.Open(Temp.StorePath, "aws", "dev").Secret);
        Assert.Single(Directory.GetFiles(CacheFolder));
    }

    [Fact]
    public async Task A_folder_others_can_write_is_left_alone_and_the_request_still_succeeds()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Directory.CreateDirectory(CacheFolder);
        var open = OwnerOnlyFolder | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(CacheFolder, open);
        var events = new RecordingEvents();

        var issued = await Cached(events: events);
        Assert.Empty(Directory.GetFiles(CacheFolder));
        Assert.Equal(open, File.GetUnixFileMode(CacheFolder));
        var line = Assert.Single(events.VerboseLines, l => l.Contains("credential_process cache file", StringComparison.Ordinal));
        Assert.Contains("writable by every user", line, StringComparison.Ordinal);
        Assert.DoesNotContain(issued.SecretAccessKey, string.Join('\n', events.VerboseLines), StringComparison.Ordinal);
        Assert.Equal(issued.Lease.LeaseId, (await Cached()).Lease.LeaseId);
    }

    [Fact]
    public async Task A_store_not_sealed_with_its_own_key_file_or_not_SQLite_gets_no_files()
    {
        using var other = new TempStore();
        var sealers = new ISecretSealer[] { new KeyFileSealer(Path.Combine(other.Folder, "elsewhere.key")), new CopySealer() };
        foreach (var sealer in sealers)
        {
            using var engine = new CredsEngine(EngineOptions.ForSqlite(other.StorePath) with { Sealer = sealer, DisplayName = "tester" });
            await IssueCachedOn(engine);
            Assert.False(Directory.Exists(CredentialProcessCache.CacheFolder(other.StorePath)));
            await engine.DisableMountAsync("aws", 4, force: false, null, CancellationToken.None);
        }

        // An in-memory store, even told a file path and given that path's key-file sealer.
        using (var memory = new CredsEngine(new EngineOptions
        {
            Store = new Lazy<ILeaseStore>(new InMemoryLeaseStore()),
            StoreLocation = other.StorePath,
            Sealer = KeyFileSealer.ForStore(other.StorePath),
            DisplayName = "tester",
        }))
        {
            await IssueCachedOn(memory);
            Assert.False(Directory.Exists(CredentialProcessCache.CacheFolder(other.StorePath)));
        }

        // A shared store is sealed with KMS and names no SQLite file.
        var shared = EngineOptions.ForLocation(new DynamoDbStoreLocation("t", "us-east-1"));
        Assert.Null(shared.SqliteStorePath);
        Assert.IsType<KmsSealer>(shared.Sealer);
        Assert.Equal(EngineOptions.ForSqlite(other.StorePath).SqliteStorePath, Path.GetFullPath(other.StorePath));
    }

    private async Task IssueCachedOn(CredsEngine engine)
    {
        engine.EnableMount("aws", "aws", null, null, null);
        engine.SetRootConfig("aws", LocalAwsRootConfig());
        engine.SetRole(null, "dev", new RoleInput { PolicyArns = [ReadOnly] });
        var issued = await engine.GetOrIssueCachedCredentialAsync(null, "dev", null, new StsOptions(), null, CancellationToken.None);
        Assert.Equal(issued.Lease.LeaseId, (await engine.GetOrIssueCachedCredentialAsync(null, "dev", null, new StsOptions(), null, CancellationToken.None)).Lease.LeaseId);
    }

    /// <summary>A sealer that is not the key-file sealer (as DPAPI and KMS are not): it only frames the text with its context.</summary>
    private sealed class CopySealer : ISecretSealer
    {
        public byte[] Seal(string plaintext, string context) => System.Text.Encoding.UTF8.GetBytes(context + "\0" + plaintext);

        public string Open(byte[] sealedValue, string context) => System.Text.Encoding.UTF8.GetString(sealedValue)[(context.Length + 1)..];
    }
}
