using System.Globalization;
using System.Net;
using Xunit;
using DynamicAwsCreds.Tests.Shared;
using static LocalAws.Tests.LocalAwsHarness;

namespace LocalAws.Tests;

/// <summary>IAM roles and the STS actions that issue temporary credentials (AssumeRole, GetFederationToken, GetSessionToken).</summary>
public sealed class LocalAwsStsTests
{
    private const string Account = "123456789012";
    private const string AccountTrust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}""";
    private const string AllowAssumeRole = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}""";
    private const string ReadOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    private const string Admin = "arn:aws:iam::aws:policy/AdministratorAccess";

    private static void Error(AwsAnswer answer, HttpStatusCode status, string code, string? message = null)
    {
        Assert.True(answer.Status == status && answer.ErrorCode == code, $"expected {(int)status} {code}, got {(int)answer.Status}: {answer.Body}");
        Assert.Equal("ErrorResponse", answer.Xml.Root!.Name.LocalName);
        if (message is not null)
        {
            Assert.Equal(message, answer.ErrorMessage);
        }
    }

    private static async Task CreateRoleAsync(LocalAwsHarness aws, string name, string trust = AccountTrust, params (string, string)[] extra)
    {
        Ok(await aws.Root.IamAsync("CreateRole", [("RoleName", name), ("AssumeRolePolicyDocument", trust), .. extra]));
    }

    private static DateTime Expiration(AwsAnswer answer) =>
        DateTime.Parse(answer.Value("Expiration")!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static void AssertTemporaryCredentials(AwsAnswer answer, int seconds)
    {
        Assert.Matches("^ASIA[A-Z0-9]{16}$", answer.Value("AccessKeyId"));
        Assert.Equal(40, answer.Value("SecretAccessKey")!.Length);
        Assert.True(answer.Value("SessionToken")!.Length >= 200, "session token should be long and opaque");
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", answer.Value("Expiration"));
        Assert.InRange((Expiration(answer) - DateTime.UtcNow).TotalSeconds, seconds - 30, seconds + 5);
    }

    [Fact]
    public async Task RoleCrud_AwsShapes_PaginationAndDeleteConflict()
    {
        await using var aws = await StartAsync();
        var root = aws.Root;
        var created = Ok(await root.IamAsync("CreateRole", ("RoleName", "deployer"), ("Path", "/ci/"), ("AssumeRolePolicyDocument", AccountTrust),
            ("Description", "CI deploys"), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "ops")));
        Assert.Equal("arn:aws:iam::123456789012:role/ci/deployer", created.Value("Arn"));
        Assert.Matches("^AROA[A-Z0-9]{17}$", created.Value("RoleId"));
        Assert.Equal(Uri.EscapeDataString(AccountTrust), created.Value("AssumeRolePolicyDocument"));
        Error(await root.IamAsync("CreateRole", ("RoleName", "DEPLOYER"), ("AssumeRolePolicyDocument", AccountTrust)), HttpStatusCode.Conflict, "EntityAlreadyExists", "Role with name DEPLOYER already exists.");

        var got = Ok(await root.IamAsync("GetRole", ("RoleName", "deployer")));
        Assert.Equal("3600", got.Value("MaxSessionDuration"));
        Assert.Equal("CI deploys", got.Value("Description"));
        Assert.Equal("ops", got.Value("Value"));
        Assert.NotNull(got.Value("RoleLastUsed"));
        Assert.Equal("/ci/", aws.Server.State.GetRole("deployer")!.Path);
        Error(await root.IamAsync("GetRole", ("RoleName", "nope")), HttpStatusCode.NotFound, "NoSuchEntity", "The role with name nope cannot be found.");

        // Validation of the trust policy and of MaxSessionDuration.
        Error(await root.IamAsync("CreateRole", ("RoleName", "r"), ("AssumeRolePolicyDocument", AccountTrust), ("MaxSessionDuration", "3599")), HttpStatusCode.BadRequest, "ValidationError");
        Error(await root.IamAsync("CreateRole", ("RoleName", "r"), ("AssumeRolePolicyDocument", AccountTrust), ("MaxSessionDuration", "43201")), HttpStatusCode.BadRequest, "ValidationError");
        Error(await root.IamAsync("CreateRole", ("RoleName", "r")), HttpStatusCode.BadRequest, "ValidationError");
        Error(await root.IamAsync("CreateRole", ("RoleName", "r"), ("AssumeRolePolicyDocument", AllowAssumeRole)), HttpStatusCode.BadRequest, "MalformedPolicyDocument", "Has prohibited field Resource");
        Error(await root.IamAsync("CreateRole", ("RoleName", "r"), ("AssumeRolePolicyDocument", "{not json")), HttpStatusCode.BadRequest, "MalformedPolicyDocument");
        Error(await root.IamAsync("CreateRole", ("RoleName", "r"), ("AssumeRolePolicyDocument", AccountTrust.Replace(":root", ":user/ghost", StringComparison.Ordinal))),
            HttpStatusCode.BadRequest, "MalformedPolicyDocument", "Invalid principal in policy: \"AWS\":\"arn:aws:iam::123456789012:user/ghost\"");
        Error(await root.IamAsync("CreateRole", ("RoleName", "r"), ("AssumeRolePolicyDocument", AccountTrust.Replace("sts:AssumeRole", "s3:GetObject", StringComparison.Ordinal))),
            HttpStatusCode.BadRequest, "MalformedPolicyDocument", "AssumeRole policy may only specify STS AssumeRole actions.");
        Ok(await root.IamAsync("CreateRole", ("RoleName", "long"), ("AssumeRolePolicyDocument", AccountTrust), ("MaxSessionDuration", "43200")));

        for (var i = 1; i <= 3; i++)
        {
            await CreateRoleAsync(aws, $"paged-{i}", AccountTrust, ("Path", "/paged/"));
        }

        var first = Ok(await root.IamAsync("ListRoles", ("PathPrefix", "/paged/"), ("MaxItems", "2")));
        Assert.Equal(["paged-1", "paged-2"], first.Values("RoleName"));
        Assert.Equal("true", first.Value("IsTruncated"));
        var second = Ok(await root.IamAsync("ListRoles", ("PathPrefix", "/paged/"), ("MaxItems", "2"), ("Marker", first.Value("Marker")!)));
        Assert.Equal(["paged-3"], second.Values("RoleName"));
        Assert.Equal("false", second.Value("IsTruncated"));

        const string inline = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}""";
        Ok(await root.IamAsync("AttachRolePolicy", ("RoleName", "deployer"), ("PolicyArn", ReadOnly)));
        Error(await root.IamAsync("AttachRolePolicy", ("RoleName", "deployer"), ("PolicyArn", "arn:aws:iam::aws:policy/NoSuchPolicyAtAll")), HttpStatusCode.NotFound, "NoSuchEntity");
        Ok(await root.IamAsync("PutRolePolicy", ("RoleName", "deployer"), ("PolicyName", "s3"), ("PolicyDocument", inline)));
        Assert.Equal([ReadOnly], Ok(await root.IamAsync("ListAttachedRolePolicies", ("RoleName", "deployer"))).Values("PolicyArn"));
        Assert.Equal(["s3"], Ok(await root.IamAsync("ListRolePolicies", ("RoleName", "deployer"))).Values("member"));
        Assert.Equal(Uri.EscapeDataString(inline), Ok(await root.IamAsync("GetRolePolicy", ("RoleName", "deployer"), ("PolicyName", "s3"))).Value("PolicyDocument"));
        Assert.Equal(1, aws.Server.State.GetPolicy(ReadOnly)!.AttachmentCount);

        var conflict = await root.IamAsync("DeleteRole", ("RoleName", "deployer"));
        Error(conflict, HttpStatusCode.Conflict, "DeleteConflict", "Cannot delete entity, must delete policies first.");
        Ok(await root.IamAsync("DeleteRolePolicy", ("RoleName", "deployer"), ("PolicyName", "s3")));
        Error(await root.IamAsync("DeleteRolePolicy", ("RoleName", "deployer"), ("PolicyName", "s3")), HttpStatusCode.NotFound, "NoSuchEntity");
        Error(await root.IamAsync("DeleteRole", ("RoleName", "deployer")), HttpStatusCode.Conflict, "DeleteConflict", "Cannot delete entity, must detach all policies first.");
        Ok(await root.IamAsync("DetachRolePolicy", ("RoleName", "deployer"), ("PolicyArn", ReadOnly)));
        Ok(await root.IamAsync("DeleteRole", ("RoleName", "deployer")));
        Assert.False(aws.Server.State.RoleExists("deployer"));
        Error(await root.IamAsync("GetRole", ("RoleName", "deployer")), HttpStatusCode.NotFound, "NoSuchEntity");
    }

    [Fact]
    public async Task AssumeRole_IssuesWorkingCredentials_AsTheAssumedRole()
    {
        await using var aws = await StartAsync();
        await CreateRoleAsync(aws, "reader", AccountTrust, ("Path", "/app/"));
        Ok(await aws.Root.IamAsync("AttachRolePolicy", ("RoleName", "reader"), ("PolicyArn", ReadOnly)));
        var alice = await aws.UserWithKeyAsync("alice");
        Ok(await aws.Root.IamAsync("PutUserPolicy", ("UserName", "alice"), ("PolicyName", "assume"), ("PolicyDocument", AllowAssumeRole)));

        var assumed = Ok(await alice.StsAsync("AssumeRole", ("RoleArn", "arn:aws:iam::123456789012:role/app/reader"), ("RoleSessionName", "alice@build-7")));
        Assert.Equal(System.Xml.Linq.XName.Get("AssumeRoleResponse", "https://sts.amazonaws.com/doc/2011-06-15/"), assumed.Xml.Root!.Name);
        AssertTemporaryCredentials(assumed, 3600);
        var roleId = aws.Server.State.GetRole("reader")!.RoleId;
        Assert.Equal($"{roleId}:alice@build-7", assumed.Value("AssumedRoleId"));
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/reader/alice@build-7", assumed.Xml.Descendants().First(e => e.Name.LocalName == "AssumedRoleUser").Elements().First(e => e.Name.LocalName == "Arn").Value);
        Assert.Null(assumed.Value("PackedPolicySize"));

        var session = alice.WithCredentials(assumed);
        var me = Ok(await session.StsAsync("GetCallerIdentity"));
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/reader/alice@build-7", me.Value("Arn"));
        Assert.Equal($"{roleId}:alice@build-7", me.Value("UserId"));
        Assert.Equal(Account, me.Value("Account"));

        // The role's policies apply, not alice's.
        Ok(await session.IamAsync("ListUsers"));
        var denied = await session.IamAsync("CreateUser", ("UserName", "mallory"));
        Error(denied, HttpStatusCode.Forbidden, "AccessDenied",
            "User: arn:aws:sts::123456789012:assumed-role/reader/alice@build-7 is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/mallory because no identity-based policy allows the iam:CreateUser action");
        Error(await session.IamAsync("GetUser"), HttpStatusCode.BadRequest, "ValidationError", "Must specify userName when calling with non-User credentials");

        var info = aws.Server.State.FindSession(assumed.Value("AccessKeyId")!)!;
        Assert.Equal("AssumedRole", info.Kind);
        Assert.Equal("reader", info.RoleName);
        Assert.NotNull(Ok(await aws.Root.IamAsync("GetRole", ("RoleName", "reader"))).Value("LastUsedDate"));
    }

    [Fact]
    public async Task AssumeRole_TrustPolicy_AccountNeedsIdentityPolicy_UserArnSuffices_UnknownRoleDenied()
    {
        await using var aws = await StartAsync();
        var bob = await aws.UserWithKeyAsync("bob");
        await CreateRoleAsync(aws, "by-account");
        await CreateRoleAsync(aws, "by-user", AccountTrust.Replace(":root", ":user/bob", StringComparison.Ordinal));

        // Trust names only the account: bob also needs sts:AssumeRole in his own policies.
        Error(await bob.StsAsync("AssumeRole", ("RoleArn", "arn:aws:iam::123456789012:role/by-account"), ("RoleSessionName", "s1")), HttpStatusCode.Forbidden, "AccessDenied",
            "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/by-account");

        // Trust names bob himself: enough on its own.
        Ok(await bob.StsAsync("AssumeRole", ("RoleArn", "arn:aws:iam::123456789012:role/by-user"), ("RoleSessionName", "s1")));

        Ok(await aws.Root.IamAsync("PutUserPolicy", ("UserName", "bob"), ("PolicyName", "assume"), ("PolicyDocument", AllowAssumeRole)));
        Ok(await bob.StsAsync("AssumeRole", ("RoleArn", "arn:aws:iam::123456789012:role/by-account"), ("RoleSessionName", "s1")));

        // An unknown role (or one of another account, or a wrong path) is AccessDenied, as AWS answers it.
        foreach (var arn in new[] { "arn:aws:iam::123456789012:role/no-such-role", "arn:aws:iam::999999999999:role/by-account", "arn:aws:iam::123456789012:role/x/by-account" })
        {
            Error(await bob.StsAsync("AssumeRole", ("RoleArn", arn), ("RoleSessionName", "s1")), HttpStatusCode.Forbidden, "AccessDenied",
                $"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: {arn}");
        }

        // An explicit Deny in the trust policy wins.
        Ok(await aws.Root.IamAsync("UpdateAssumeRolePolicy", ("RoleName", "by-user"), ("PolicyDocument",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"sts:*"}]}""")));
        Error(await bob.StsAsync("AssumeRole", ("RoleArn", "arn:aws:iam::123456789012:role/by-user"), ("RoleSessionName", "s1")), HttpStatusCode.Forbidden, "AccessDenied");
    }

    [Fact]
    public async Task AssumeRole_ExternalIdRequiredByTrustPolicy()
    {
        await using var aws = await StartAsync();
        const string trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"tenant-42"}}}]}""";
        await CreateRoleAsync(aws, "partner", trust);
        const string arn = "arn:aws:iam::123456789012:role/partner";
        Error(await aws.Root.StsAsync("AssumeRole", ("RoleArn", arn), ("RoleSessionName", "s")), HttpStatusCode.BadRequest, "ValidationError");
        Error(await aws.Root.StsAsync("AssumeRole", ("RoleArn", arn), ("RoleSessionName", "no-external-id")), HttpStatusCode.Forbidden, "AccessDenied",
            "User: arn:aws:iam::123456789012:user/localaws-root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/partner");
        Error(await aws.Root.StsAsync("AssumeRole", ("RoleArn", arn), ("RoleSessionName", "wrong"), ("ExternalId", "tenant-41")), HttpStatusCode.Forbidden, "AccessDenied");
        Error(await aws.Root.StsAsync("AssumeRole", ("RoleArn", arn), ("RoleSessionName", "short"), ("ExternalId", "x")), HttpStatusCode.BadRequest, "ValidationError");
        Ok(await aws.Root.StsAsync("AssumeRole", ("RoleArn", arn), ("RoleSessionName", "right"), ("ExternalId", "tenant-42")));
    }

    [Fact]
    public async Task AssumeRole_DurationLimits_RoleMaximum_AndRoleChaining()
    {
        await using var aws = await StartAsync();
        const string chainTrust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["123456789012"]},"Action":["sts:AssumeRole"]}]}""";
        await CreateRoleAsync(aws, "short");
        await CreateRoleAsync(aws, "long", chainTrust, ("MaxSessionDuration", "43200"));
        Ok(await aws.Root.IamAsync("AttachRolePolicy", ("RoleName", "long"), ("PolicyArn", Admin)));
        const string shortArn = "arn:aws:iam::123456789012:role/short";
        const string longArn = "arn:aws:iam::123456789012:role/long";

        var tooShort = await aws.Root.StsAsync("AssumeRole", ("RoleArn", shortArn), ("RoleSessionName", "s0"), ("DurationSeconds", "899"));
        Error(tooShort, HttpStatusCode.BadRequest, "ValidationError",
            "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
        Error(await aws.Root.StsAsync("AssumeRole", ("RoleArn", longArn), ("RoleSessionName", "s0"), ("DurationSeconds", "43201")), HttpStatusCode.BadRequest, "ValidationError",
            "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200");
        Error(await aws.Root.StsAsync("AssumeRole", ("RoleArn", shortArn), ("RoleSessionName", "s1"), ("DurationSeconds", "3601")), HttpStatusCode.BadRequest, "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
        Error(await aws.Root.StsAsync("AssumeRole", ("RoleArn", shortArn), ("RoleSessionName", "x")), HttpStatusCode.BadRequest, "ValidationError");
        Error(await aws.Root.StsAsync("AssumeRole", ("RoleArn", shortArn), ("RoleSessionName", "has space")), HttpStatusCode.BadRequest, "ValidationError");
        Error(await aws.Root.StsAsync("AssumeRole", ("RoleArn", shortArn), ("RoleSessionName", new string('s', 65))), HttpStatusCode.BadRequest, "ValidationError");

        AssertTemporaryCredentials(Ok(await aws.Root.StsAsync("AssumeRole", ("RoleArn", shortArn), ("RoleSessionName", "s1"), ("DurationSeconds", "900"))), 900);
        var twelveHours = Ok(await aws.Root.StsAsync("AssumeRole", ("RoleArn", longArn), ("RoleSessionName", "s2"), ("DurationSeconds", "43200")));
        AssertTemporaryCredentials(twelveHours, 43200);

        // Role chaining (AssumeRole with assumed-role credentials): at most one hour.
        var chained = aws.Root.WithCredentials(twelveHours);
        Error(await chained.StsAsync("AssumeRole", ("RoleArn", longArn), ("RoleSessionName", "hop"), ("DurationSeconds", "7200")), HttpStatusCode.BadRequest, "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
        var hop = Ok(await chained.StsAsync("AssumeRole", ("RoleArn", longArn), ("RoleSessionName", "hop")));
        AssertTemporaryCredentials(hop, 3600);
        Assert.True(aws.Server.State.FindSession(hop.Value("AccessKeyId")!)!.RoleChained);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/long/hop", Ok(await aws.Root.WithCredentials(hop).StsAsync("GetCallerIdentity")).Value("Arn"));
    }

    [Fact]
    public async Task AssumeRole_SessionPolicyAndTags_AreAcceptedAndLimitTheSession()
    {
        await using var aws = await StartAsync();
        await CreateRoleAsync(aws, "admin");
        Ok(await aws.Root.IamAsync("AttachRolePolicy", ("RoleName", "admin"), ("PolicyArn", Admin)));
        const string arn = "arn:aws:iam::123456789012:role/admin";
        const string sessionPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}""";

        var limited = Ok(await aws.Root.StsAsync("AssumeRole", ("RoleArn", arn), ("RoleSessionName", "limited"), ("Policy", sessionPolicy)));
        Assert.InRange(int.Parse(limited.Value("PackedPolicySize")!, CultureInfo.InvariantCulture), 1, 100);
        var session = aws.Root.WithCredentials(limited);
        Ok(await session.IamAsync("ListUsers"));
        var denied = await session.IamAsync("CreateUser", ("UserName", "x"));
        Error(denied, HttpStatusCode.Forbidden, "AccessDenied");
        Assert.EndsWith("because no session policy allows the iam:CreateUser action", denied.ErrorMessage, StringComparison.Ordinal);

        // Managed session policies by ARN.
        var managed = Ok(await aws.Root.StsAsync("AssumeRole", ("RoleArn", arn), ("RoleSessionName", "managed"), ("PolicyArns.member.1.arn", "arn:aws:iam::aws:policy/IAMReadOnlyAccess")));
        Ok(await aws.Root.WithCredentials(managed).IamAsync("GetUser", ("UserName", IamState.RootUserName)));
        Error(await aws.Root.WithCredentials(managed).IamAsync("CreateUser", ("UserName", "y")), HttpStatusCode.Forbidden, "AccessDenied");

        Error(await aws.Root.StsAsync("AssumeRole", ("RoleArn", arn), ("RoleSessionName", "bad"), ("Policy", "{not json")), HttpStatusCode.BadRequest, "MalformedPolicyDocument");
        Error(await aws.Root.StsAsync("AssumeRole", ("RoleArn", arn), ("RoleSessionName", "big"), ("Policy", sessionPolicy + new string(' ', 2048))), HttpStatusCode.BadRequest, "ValidationError");

        // Session tags need sts:TagSession in the trust policy.
        (string, string)[] tags = [("Tags.member.1.Key", "project"), ("Tags.member.1.Value", "blue"), ("Tags.member.2.Key", "cost-center"), ("Tags.member.2.Value", "42")];
        Error(await aws.Root.StsAsync("AssumeRole", [("RoleArn", arn), ("RoleSessionName", "tagged"), .. tags]), HttpStatusCode.Forbidden, "AccessDenied",
            "User: arn:aws:iam::123456789012:user/localaws-root is not authorized to perform: sts:TagSession on resource: arn:aws:iam::123456789012:role/admin");
        Ok(await aws.Root.IamAsync("UpdateAssumeRolePolicy", ("RoleName", "admin"), ("PolicyDocument", AccountTrust.Replace("\"sts:AssumeRole\"", "[\"sts:AssumeRole\",\"sts:TagSession\"]", StringComparison.Ordinal))));
        var tagged = Ok(await aws.Root.StsAsync("AssumeRole", [("RoleArn", arn), ("RoleSessionName", "tagged"), .. tags]));
        Assert.NotNull(tagged.Value("PackedPolicySize"));
        var info = aws.Server.State.FindSession(tagged.Value("AccessKeyId")!)!;
        Assert.Equal([new("project", "blue"), new("cost-center", "42")], info.Tags);
        Ok(await aws.Root.WithCredentials(tagged).IamAsync("CreateUser", ("UserName", "made-by-session")));
    }

    [Fact]
    public async Task GetFederationToken_FederatedUserArn_Limits_AndNoIamAccess()
    {
        await using var aws = await StartAsync();
        var proxy = await aws.UserWithKeyAsync("proxy");
        const string sessionPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}""";

        // Needs sts:GetFederationToken in the caller's policies.
        Error(await proxy.StsAsync("GetFederationToken", ("Name", "carol")), HttpStatusCode.Forbidden, "AccessDenied");
        Ok(await aws.Root.IamAsync("PutUserPolicy", ("UserName", "proxy"), ("PolicyName", "federate"), ("PolicyDocument",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetFederationToken","s3:*"],"Resource":"*"}]}""")));

        var fed = Ok(await proxy.StsAsync("GetFederationToken", ("Name", "carol"), ("Policy", sessionPolicy)));
        AssertTemporaryCredentials(fed, 43200);
        Assert.Equal("arn:aws:sts::123456789012:federated-user/carol", fed.Xml.Descendants().First(e => e.Name.LocalName == "FederatedUser").Elements().First(e => e.Name.LocalName == "Arn").Value);
        Assert.Equal("123456789012:carol", fed.Value("FederatedUserId"));
        Assert.NotNull(fed.Value("PackedPolicySize"));

        var carol = proxy.WithCredentials(fed);
        var me = Ok(await carol.StsAsync("GetCallerIdentity"));
        Assert.Equal("arn:aws:sts::123456789012:federated-user/carol", me.Value("Arn"));
        Assert.Equal("123456789012:carol", me.Value("UserId"));
        Error(await carol.IamAsync("ListUsers"), HttpStatusCode.Forbidden, "InvalidClientTokenId");
        Error(await carol.StsAsync("GetFederationToken", ("Name", "dave")), HttpStatusCode.Forbidden, "AccessDenied", "Cannot call GetFederationToken with session credentials");
        Error(await carol.StsAsync("GetSessionToken"), HttpStatusCode.Forbidden, "AccessDenied", "Cannot call GetSessionToken with session credentials");

        // Without any session policy AWS still issues the credentials.
        AssertTemporaryCredentials(Ok(await proxy.StsAsync("GetFederationToken", ("Name", "bare"), ("DurationSeconds", "129600"))), 129600);
        AssertTemporaryCredentials(Ok(await proxy.StsAsync("GetFederationToken", ("Name", "quick"), ("DurationSeconds", "900"))), 900);
        Error(await proxy.StsAsync("GetFederationToken", ("Name", "x")), HttpStatusCode.BadRequest, "ValidationError");
        Error(await proxy.StsAsync("GetFederationToken", ("Name", new string('n', 33))), HttpStatusCode.BadRequest, "ValidationError");
        Error(await proxy.StsAsync("GetFederationToken", ("Name", "carol"), ("DurationSeconds", "129601")), HttpStatusCode.BadRequest, "ValidationError",
            "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600");
        Error(await proxy.StsAsync("GetFederationToken", ("Name", "carol"), ("DurationSeconds", "899")), HttpStatusCode.BadRequest, "ValidationError");
        Error(await proxy.StsAsync("GetFederationToken"), HttpStatusCode.BadRequest, "ValidationError");
    }

    [Fact]
    public async Task GetSessionToken_ActsAsTheUser_IamNeedsMfa_AndTemporaryCredentialsCannotCallIt()
    {
        await using var aws = await StartAsync();
        var erin = await aws.UserWithKeyAsync("erin", ReadOnly);
        var plain = Ok(await erin.StsAsync("GetSessionToken"));
        Assert.Equal(System.Xml.Linq.XName.Get("GetSessionTokenResponse", "https://sts.amazonaws.com/doc/2011-06-15/"), plain.Xml.Root!.Name);
        AssertTemporaryCredentials(plain, 43200);
        var session = erin.WithCredentials(plain);
        var me = Ok(await session.StsAsync("GetCallerIdentity"));
        Assert.Equal("arn:aws:iam::123456789012:user/erin", me.Value("Arn"));
        Assert.Equal(aws.Server.State.GetUser("erin")!.UserId, me.Value("UserId"));

        // AWS: IAM refuses GetSessionToken credentials obtained without MFA.
        Error(await session.IamAsync("ListUsers"), HttpStatusCode.Forbidden, "InvalidClientTokenId");
        Error(await session.StsAsync("GetSessionToken"), HttpStatusCode.Forbidden, "AccessDenied", "Cannot call GetSessionToken with session credentials");
        Error(await session.StsAsync("GetFederationToken", ("Name", "x1")), HttpStatusCode.Forbidden, "AccessDenied", "Cannot call GetFederationToken with session credentials");

        Error(await erin.StsAsync("GetSessionToken", ("DurationSeconds", "899")), HttpStatusCode.BadRequest, "ValidationError");
        Error(await erin.StsAsync("GetSessionToken", ("DurationSeconds", "129601")), HttpStatusCode.BadRequest, "ValidationError");
        AssertTemporaryCredentials(Ok(await erin.StsAsync("GetSessionToken", ("DurationSeconds", "900"))), 900);
        AssertTemporaryCredentials(Ok(await erin.StsAsync("GetSessionToken", ("DurationSeconds", "129600"))), 129600);

        // With erin's own MFA device (any six-digit code), the credentials carry MFA and IAM accepts them.
        var serial = Ok(await aws.Root.IamAsync("CreateVirtualMFADevice", ("VirtualMFADeviceName", "erin-mfa"))).Value("SerialNumber")!;
        var other = Ok(await aws.Root.IamAsync("CreateVirtualMFADevice", ("VirtualMFADeviceName", "nobodys"))).Value("SerialNumber")!;
        Ok(await aws.Root.IamAsync("EnableMFADevice", ("UserName", "erin"), ("SerialNumber", serial), ("AuthenticationCode1", "123456"), ("AuthenticationCode2", "654321")));
        Error(await erin.StsAsync("GetSessionToken", ("SerialNumber", other), ("TokenCode", "123456")), HttpStatusCode.Forbidden, "AccessDenied",
            "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.");
        Error(await erin.StsAsync("GetSessionToken", ("SerialNumber", serial), ("TokenCode", "12345")), HttpStatusCode.BadRequest, "ValidationError");
        var withMfa = Ok(await erin.StsAsync("GetSessionToken", ("SerialNumber", serial), ("TokenCode", "000111")));
        Assert.True(aws.Server.State.FindSession(withMfa.Value("AccessKeyId")!)!.MfaAuthenticated);
        Ok(await erin.WithCredentials(withMfa).IamAsync("ListUsers"));
        Error(await erin.WithCredentials(withMfa).IamAsync("CreateUser", ("UserName", "z")), HttpStatusCode.Forbidden, "AccessDenied");

        // Assumed-role credentials cannot call them either.
        await CreateRoleAsync(aws, "r");
        var assumed = aws.Root.WithCredentials(Ok(await aws.Root.StsAsync("AssumeRole", ("RoleArn", "arn:aws:iam::123456789012:role/r"), ("RoleSessionName", "s1"))));
        Error(await assumed.StsAsync("GetSessionToken"), HttpStatusCode.Forbidden, "AccessDenied", "Cannot call GetSessionToken with session credentials");
        Error(await assumed.StsAsync("GetFederationToken", ("Name", "x1")), HttpStatusCode.Forbidden, "AccessDenied", "Cannot call GetFederationToken with session credentials");
    }

    [Fact]
    public async Task TemporaryCredentials_NeedTheirToken_AndExpire()
    {
        await using var aws = await StartAsync();
        await CreateRoleAsync(aws, "r");
        var answer = Ok(await aws.Root.StsAsync("AssumeRole", ("RoleArn", "arn:aws:iam::123456789012:role/r"), ("RoleSessionName", "s1"), ("DurationSeconds", "900")));
        var id = answer.Value("AccessKeyId")!;
        var secret = answer.Value("SecretAccessKey")!;
        var token = answer.Value("SessionToken")!;
        Ok(await aws.Root.WithSession(id, secret, token).StsAsync("GetCallerIdentity"));

        Error(await aws.Root.WithSession(id, secret, null).StsAsync("GetCallerIdentity"), HttpStatusCode.Forbidden, "InvalidClientTokenId", "The security token included in the request is invalid.");
        Error(await aws.Root.WithSession(id, secret, token[..^4] + "AAAA").StsAsync("GetCallerIdentity"), HttpStatusCode.Forbidden, "InvalidClientTokenId");
        Error(await aws.Root.WithSession(id, "wrong-secret-wrong-secret-wrong-secret!!", token).StsAsync("GetCallerIdentity"), HttpStatusCode.Forbidden, "SignatureDoesNotMatch");
        Error(await aws.Root.WithSession(aws.Server.Options.RootAccessKeyId, aws.Server.Options.RootSecretAccessKey, token).StsAsync("GetCallerIdentity"), HttpStatusCode.Forbidden, "InvalidClientTokenId");

        aws.Server.Options.ClockOffset = TimeSpan.FromSeconds(901);
        Error(await aws.Root.WithSession(id, secret, token).StsAsync("GetCallerIdentity"), HttpStatusCode.Forbidden, "ExpiredToken", "The security token included in the request is expired");
        Error(await aws.Root.WithSession(id, secret, token).IamAsync("ListUsers"), HttpStatusCode.Forbidden, "ExpiredToken");
        Ok(await aws.Root.StsAsync("GetCallerIdentity"));
    }

    [Fact]
    public async Task FaultKnobs_ApplyToStsActionsByName()
    {
        await using var aws = await StartAsync(o => o.Fail.Add(FaultRule.Parse("AssumeRole:1")));
        await CreateRoleAsync(aws, "r");
        (string, string)[] p = [("RoleArn", "arn:aws:iam::123456789012:role/r"), ("RoleSessionName", "s1")];
        Error(await aws.Root.StsAsync("AssumeRole", p), HttpStatusCode.InternalServerError, "ServiceFailure");
        Assert.Empty(aws.Server.State.Sessions);
        Ok(await aws.Root.StsAsync("AssumeRole", p));
        Assert.Single(aws.Server.State.Sessions);
        Assert.Equal(2, aws.Server.State.CountRequests("AssumeRole"));
    }
}
