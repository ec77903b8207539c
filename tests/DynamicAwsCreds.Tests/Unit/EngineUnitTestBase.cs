using System.Text;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Memory;
using DynamicAwsCreds.Tests.Fakes;
using Xunit;

namespace DynamicAwsCreds.Tests.Unit;

/// <summary>
/// A <see cref="CredsEngine"/> opened from <see cref="EngineOptions"/> on an <see cref="InMemoryLeaseStore"/>,
/// <see cref="FakeAws"/> and a <see cref="FakeClock"/> that the account shares: no LocalAws, no SQLite, no file.
/// The "aws" mount (default TTL 1 h, max 2 h) holds the fake account's root key, and role "dev" issues iam_users
/// with ReadOnlyAccess.
/// </summary>
public abstract class EngineUnitTestBase : IDisposable
{
    protected const string ReadOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    protected static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(1);
    protected static readonly TimeSpan MaxTtl = TimeSpan.FromHours(2);

    protected EngineUnitTestBase()
    {
        Clock = new FakeClock(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
        Aws = new FakeAws(Clock);
        Store = new InMemoryLeaseStore();
        Engine = new CredsEngine(Options(Environment.MachineName) with { Store = new Lazy<ILeaseStore>(Store) });
        Engine.EnableMount("aws", "aws", null, DefaultTtl, MaxTtl);
        Engine.SetRootConfig(null, new RootConfigInput
        {
            AccessKey = Aws.RootCredentials.AccessKeyId,
            SecretKey = Aws.RootCredentials.SecretAccessKey,
        });
        Engine.SetRole(null, "dev", new RoleInput { CredentialType = "iam_user", PolicyArns = [ReadOnly] });
    }

    /// <summary>
    /// Another host on the same store, account and clock: an engine whose owner host is <paramref name="hostId"/>.
    /// The store is wrapped so that disposing the engine leaves it open for the others. Disposed with the test.
    /// </summary>
    protected CredsEngine OpenHost(string hostId, TimeSpan? intentDeadline = null)
    {
        var engine = new CredsEngine(Options(hostId) with
        {
            Store = new Lazy<ILeaseStore>(NonDisposingStore.Over(Store)),
            IntentDeadline = intentDeadline ?? IntentOwners.DefaultDeadline,
        });
        _hosts.Add(engine);
        return engine;
    }

    private readonly List<CredsEngine> _hosts = [];

    protected EngineOptions Options(string hostId) => new()
    {
        Store = new Lazy<ILeaseStore>(Store),
        StoreLocation = Store.Location,
        Sealer = new TestSealer(),
        AwsClients = Aws,
        Time = Clock,
        DisplayName = "tester",
        HostId = hostId,
        IntentDeadline = IntentOwners.DefaultDeadline,
    };

    protected FakeClock Clock { get; }

    protected FakeAws Aws { get; }

    /// <summary>The engine's store, for what a test sets up or checks beneath the facade (intents of other processes).</summary>
    protected InMemoryLeaseStore Store { get; }

    protected CredsEngine Engine { get; }

    /// <summary>IAM users the engine issued (the fake account's own root user aside).</summary>
    protected IEnumerable<FakeUser> IssuedUsers => Aws.Users.Where(u => u.UserName != FakeAws.RootUserName);

    protected Task<IssuedCredential> IssueAsync(string role = "dev", TimeSpan? ttl = null) =>
        Engine.IssueCredentialAsync(null, role, ttl, null, CancellationToken.None);

    /// <summary>Nothing of any issue is left: no issued user in IAM, no lease and no intent in the store.</summary>
    protected void AssertNothingLeft()
    {
        Assert.Empty(IssuedUsers);
        Assert.Empty(Engine.ListLeases(null));
        Assert.Empty(Store.ListPendingLeases());
    }

    public void Dispose()
    {
        _hosts.ForEach(h => h.Dispose());
        Engine.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Seals by binding the context to the text; enough for the engine's round trips, and no key file.</summary>
    private sealed class TestSealer : ISecretSealer
    {
        public byte[] Seal(string plaintext, string context) => Encoding.UTF8.GetBytes(context + "\0" + plaintext);

        public string Open(byte[] sealedValue, string context)
        {
            var text = Encoding.UTF8.GetString(sealedValue);
            var prefix = context + "\0";
            return text.StartsWith(prefix, StringComparison.Ordinal)
                ? text[prefix.Length..]
                : throw new System.Security.Cryptography.CryptographicException("The sealed value belongs to another context.");
        }
    }
}
