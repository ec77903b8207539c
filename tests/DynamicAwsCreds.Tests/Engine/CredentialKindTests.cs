using DynamicAwsCreds.Engine.Store.Sqlite;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Kinds;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>The credential kinds on their own: the registry, each kind's role fields and TTL rules, and what STS leases do without AWS.</summary>
public sealed class CredentialKindTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
    private readonly TempStore _temp = new();
    private readonly SqliteLeaseStore _store;

    public CredentialKindTests()
    {
        _store = SqliteLeaseStore.Open(_temp.StorePath);
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    /// <summary>A context whose AWS clients fail the test if anything asks for them.</summary>
    private CredentialKindContext Context(MountRecord mount) => new(
        new Lazy<MountRecord>(mount),
        new Lazy<AwsApis>(() => throw new InvalidOperationException("AWS was called")),
        _store, () => Now, "tester", TimeSpan.Zero, new Lazy<LeaseOwner>(new LeaseOwner("host", 1, Now)));

    private static MountRecord Mount(TimeSpan? defaultTtl = null, TimeSpan? maxTtl = null) => new("aws", "aws", null, defaultTtl, maxTtl, Now);

    private static Role Role(string type) => new() { Mount = "aws", Name = "dev", CredentialType = type };

    [Fact]
    public void The_registry_lists_vaults_four_types_with_iam_user_first_and_the_default()
    {
        Assert.Equal(["iam_user", "assumed_role", "federation_token", "session_token"], CredentialKinds.Names);
        Assert.Equal("iam_user", CredentialKinds.Default.Name);
        Assert.All(CredentialKinds.Names, name => Assert.Equal(name, CredentialKinds.Get(name).Name));
    }

    [Fact]
    public void The_registry_ignores_case_and_surrounding_spaces() =>
        Assert.Equal("federation_token", CredentialKinds.Get(" Federation_Token ").Name);

    [Theory]
    [InlineData("static")]
    [InlineData("")]
    [InlineData(null)]
    public void The_registry_refuses_other_names(string? name)
    {
        var error = Assert.Throws<EngineException>(() => CredentialKinds.Get(name));
        Assert.Equal("InvalidCredentialType", error.Reason);
        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
        Assert.Equal(name, error.Target);
        Assert.Equal($"'{name}' is not a credential type. Use one of: iam_user, assumed_role, federation_token, session_token.", error.Message);
    }

    [Fact]
    public void Only_iam_user_keys_need_time_to_propagate() =>
        Assert.Equal(["iam_user"], CredentialKinds.Names.Where(n => CredentialKinds.Get(n).KeyNeedsPropagation));

    public static TheoryData<string, string> FieldsAndKindsThatRefuseThem => new()
    {
        { "RoleArn", "iam_user" }, { "RoleArn", "federation_token" }, { "RoleArn", "session_token" },
        { "UserPath", "assumed_role" }, { "UserPath", "federation_token" }, { "UserPath", "session_token" },
        { "DefaultStsTtl", "iam_user" },
        { "PolicyDocument", "session_token" }, { "PolicyArn", "session_token" },
        { "SessionTag", "iam_user" }, { "SessionTag", "federation_token" }, { "SessionTag", "session_token" },
        { "ExternalId", "iam_user" }, { "ExternalId", "federation_token" }, { "ExternalId", "session_token" },
    };

    private static Role WithField(Role role, string field) => field switch
    {
        "RoleArn" => role with { RoleArns = ["arn:aws:iam::123456789012:role/deploy"] },
        "UserPath" => role with { UserPath = "/dynamic/" },
        "DefaultStsTtl" => role with { DefaultStsTtl = TimeSpan.FromHours(1) },
        "PolicyDocument" => role with { PolicyDocument = "{}" },
        "PolicyArn" => role with { PolicyArns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"] },
        "SessionTag" => role with { SessionTags = new Dictionary<string, string> { ["team"] = "blue" } },
        "ExternalId" => role with { ExternalId = "ext-1" },
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    [Theory]
    [MemberData(nameof(FieldsAndKindsThatRefuseThem))]
    public void Each_kind_refuses_the_fields_of_other_kinds(string field, string type)
    {
        var error = Assert.Throws<EngineException>(() => CredentialKinds.Get(type).ValidateRole(WithField(Role(type), field)));
        Assert.Equal("InvalidRoleParameter", error.Reason);
        Assert.Equal("dev", error.Target);
    }

    [Fact]
    public void Each_kind_takes_every_field_it_does_not_refuse()
    {
        var refused = FieldsAndKindsThatRefuseThem.Select(row => ((string)row[0], (string)row[1])).ToHashSet();
        foreach (var type in CredentialKinds.Names)
        {
            foreach (var field in new[] { "RoleArn", "UserPath", "DefaultStsTtl", "PolicyDocument", "PolicyArn", "SessionTag", "ExternalId" }.Where(f => !refused.Contains((f, type))))
            {
                CredentialKinds.Get(type).ValidateRole(WithField(Role(type), field));
            }
        }
    }

    [Fact]
    public void A_role_with_several_problems_is_refused_once_naming_them_all()
    {
        var role = Role("federation_token") with
        {
            RoleArns = ["arn:aws:iam::123456789012:role/deploy"],
            SessionTags = new Dictionary<string, string> { ["team"] = "blue" },
            ExternalId = "ext-1",
            UserPath = "/dynamic/",
            DefaultStsTtl = TimeSpan.FromHours(2),
            MaxStsTtl = TimeSpan.FromHours(1),
        };
        var error = Assert.Throws<EngineException>(() => CredentialKinds.Get("federation_token").ValidateRole(role));
        Assert.Equal("InvalidRoleParameter", error.Reason);
        Assert.Equal("dev", error.Target);
        foreach (var field in new[] { "-RoleArn", "-SessionTag", "-ExternalId", "-UserPath", "must not be greater than MaxStsTtl" })
        {
            Assert.Contains(field, error.Message, StringComparison.Ordinal);
        }

        Assert.Contains("5 problems", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Iam_user_ttl_is_the_lease_config_else_the_mount_default_else_768h_within_every_max()
    {
        var kind = CredentialKinds.Get("iam_user");
        var role = Role("iam_user");
        Assert.Equal(new LeaseTerm(TimeSpan.FromHours(768), TimeSpan.FromHours(768)), kind.Ttl(Context(Mount()), role, null));
        Assert.Equal(new LeaseTerm(TimeSpan.FromHours(2), TimeSpan.FromHours(5)), kind.Ttl(Context(Mount(TimeSpan.FromHours(2), TimeSpan.FromHours(5))), role, null));
        Assert.Equal(new LeaseTerm(TimeSpan.FromHours(5), TimeSpan.FromHours(5)), kind.Ttl(Context(Mount(maxTtl: TimeSpan.FromHours(5))), role, TimeSpan.FromHours(9)));

        Assert.Null(_store.AddMount(Mount()));
        _store.PutLeaseConfig(new LeaseConfigRecord("aws", TimeSpan.FromHours(1), TimeSpan.FromHours(3)));
        Assert.Equal(new LeaseTerm(TimeSpan.FromHours(1), TimeSpan.FromHours(3)), kind.Ttl(Context(Mount(TimeSpan.FromHours(2))), role, null));
        Assert.Equal(new LeaseTerm(TimeSpan.FromHours(3), TimeSpan.FromHours(3)), kind.Ttl(Context(Mount()), role, TimeSpan.FromHours(4)));
    }

    [Theory]
    [InlineData("assumed_role")]
    [InlineData("federation_token")]
    [InlineData("session_token")]
    public void Sts_ttl_is_the_request_else_the_roles_default_else_1h_capped_by_the_roles_max_else_the_mounts(string type)
    {
        var kind = CredentialKinds.Get(type);
        var role = Role(type);
        LeaseTerm Term(TimeSpan ttl) => new(ttl, ttl);
        Assert.Equal(Term(TimeSpan.FromHours(1)), kind.Ttl(Context(Mount()), role, null));
        Assert.Equal(Term(TimeSpan.FromMinutes(30)), kind.Ttl(Context(Mount()), role with { DefaultStsTtl = TimeSpan.FromMinutes(30) }, null));
        Assert.Equal(Term(TimeSpan.FromHours(2)), kind.Ttl(Context(Mount()), role with { MaxStsTtl = TimeSpan.FromHours(2) }, TimeSpan.FromHours(3)));
        Assert.Equal(Term(TimeSpan.FromMinutes(45)), kind.Ttl(Context(Mount(maxTtl: TimeSpan.FromMinutes(45))), role, null));
        Assert.Equal(Term(TimeSpan.FromHours(3)), kind.Ttl(Context(Mount(maxTtl: TimeSpan.FromMinutes(45))), role with { MaxStsTtl = TimeSpan.FromHours(4) }, TimeSpan.FromHours(3)));

        var error = Assert.Throws<EngineException>(() => kind.Ttl(Context(Mount()), role, TimeSpan.FromMinutes(10)));
        Assert.Equal("InvalidDuration", error.Reason);
        Assert.Equal(TimeSpan.FromMinutes(10), error.Target);
    }

    // AWS's DurationSeconds ranges: AssumeRole 900–43200, GetFederationToken and GetSessionToken 900–129600.
    [Theory]
    [InlineData("assumed_role", 43200)]
    [InlineData("federation_token", 129600)]
    [InlineData("session_token", 129600)]
    public void Sts_ttl_reaches_the_longest_duration_the_kinds_sts_action_takes_and_no_further(string type, int maxSeconds)
    {
        var kind = CredentialKinds.Get(type);
        var role = Role(type);
        var max = TimeSpan.FromSeconds(maxSeconds);
        Assert.Equal(new LeaseTerm(max, max), kind.Ttl(Context(Mount()), role, max));
        var over = max + TimeSpan.FromSeconds(1);
        var error = Assert.Throws<EngineException>(() => kind.Ttl(Context(Mount()), role, over));
        Assert.Equal("InvalidDuration", error.Reason);
        Assert.Equal(over, error.Target);

        kind.ValidateRole(role with { DefaultStsTtl = max, MaxStsTtl = max });
        Assert.Equal("InvalidDuration", Assert.Throws<EngineException>(() => kind.ValidateRole(role with { MaxStsTtl = over })).Reason);
    }

    [Theory]
    [InlineData("assumed_role")]
    [InlineData("federation_token")]
    [InlineData("session_token")]
    public async Task Sts_leases_are_not_renewable_and_revoking_one_forgets_it_without_aws(string type)
    {
        var kind = CredentialKinds.Get(type);
        Assert.Null(_store.AddMount(Mount()));
        var lease = new LeaseRecord(LeaseIds.New("aws", "dev"), "aws", "dev", type, LeaseState.Active, Now, Now.AddHours(1), Now.AddHours(1),
            null, Renewable: false, null, "ASIAEXAMPLE", null, null);
        Assert.True(_store.InsertLeaseUnderEnabledMount(lease));

        var error = await Assert.ThrowsAsync<EngineException>(() => kind.RenewAsync(Context(Mount()), lease, null, CancellationToken.None));
        Assert.Equal("LeaseNotRenewable", error.Reason);
        Assert.Equal($"Lease {lease.LeaseId} ({type}) is not renewable: STS credentials end at their expiry. Get new credentials with Get-AwsCredential dev.", error.Message);

        var outcome = await kind.RevokeAsync(Context(Mount()), lease, CancellationToken.None);
        Assert.Equal(new RevokeOutcome(lease.LeaseId, RevokeStatus.Revoked, null, null), outcome);
        Assert.Null(_store.GetLease(lease.LeaseId));
    }

    [Fact]
    public void Iam_user_requests_refuse_sts_options_and_sts_requests_check_the_session_name()
    {
        var context = Context(Mount());
        var iamUser = Assert.Throws<EngineException>(() => CredentialKinds.Get("iam_user").ValidateRequest(context,
            new CredentialRequest(Role("iam_user"), null, new StsOptions(RoleSessionName: "s"))));
        Assert.Equal("InvalidRoleParameter", iamUser.Reason);
        var sessionName = Assert.Throws<EngineException>(() => CredentialKinds.Get("assumed_role").ValidateRequest(context,
            new CredentialRequest(Role("assumed_role"), null, new StsOptions(RoleSessionName: "bad name"))));
        Assert.Equal("InvalidRoleSessionName", sessionName.Reason);
        CredentialKinds.Get("assumed_role").ValidateRequest(context, new CredentialRequest(Role("assumed_role"), null, new StsOptions(RoleSessionName: "good-name")));
    }
}
