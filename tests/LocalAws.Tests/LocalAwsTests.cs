using Xunit;
using System.Diagnostics;
using System.Net;
using DynamicAwsCreds.Tests.Shared;
using static LocalAws.Tests.LocalAwsHarness;

namespace LocalAws.Tests;

public sealed class LocalAwsTests
{
    private const string IamNs = "https://iam.amazonaws.com/doc/2010-05-08/";
    private const string StsNs = "https://sts.amazonaws.com/doc/2011-06-15/";

    private static void Error(AwsAnswer answer, HttpStatusCode status, string code, string type = "Sender")
    {
        Assert.True(answer.Status == status && answer.ErrorCode == code, $"expected {(int)status} {code}, got {(int)answer.Status}: {answer.Body}");
        Assert.Equal("ErrorResponse", answer.Xml.Root!.Name.LocalName);
        Assert.Equal(type, answer.ErrorType);
        Assert.False(string.IsNullOrEmpty(answer.Value("RequestId")));
    }

    [Fact]
    public async Task CreateGetDeleteUser_RoundTrip_WithAwsShapes()
    {
        await using var aws = await StartAsync();
        var created = Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "alice"), ("Path", "/team/"), ("Tags.member.1.Key", "owner"), ("Tags.member.1.Value", "ops")));
        Assert.Equal(System.Xml.Linq.XName.Get("CreateUserResponse", IamNs), created.Xml.Root!.Name);
        Assert.Equal("arn:aws:iam::123456789012:user/team/alice", created.Value("Arn"));
        Assert.StartsWith("AIDA", created.Value("UserId"), StringComparison.Ordinal);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", created.Value("CreateDate"));
        Assert.False(string.IsNullOrEmpty(created.Value("RequestId")));

        var got = Ok(await aws.Root.IamAsync("GetUser", ("UserName", "alice")));
        Assert.Equal("alice", got.Value("UserName"));
        Assert.Equal("ops", got.Value("Value"));
        Assert.Equal("/team/", aws.Server.State.GetUser("alice")!.Path);

        Error(await aws.Root.IamAsync("CreateUser", ("UserName", "ALICE")), HttpStatusCode.Conflict, "EntityAlreadyExists");

        var deleted = Ok(await aws.Root.IamAsync("DeleteUser", ("UserName", "alice")));
        Assert.Null(deleted.Value("DeleteUserResult"));
        Assert.NotNull(deleted.Value("RequestId"));
        Assert.False(aws.Server.State.UserExists("alice"));
        Error(await aws.Root.IamAsync("GetUser", ("UserName", "alice")), HttpStatusCode.NotFound, "NoSuchEntity");
    }

    [Fact]
    public async Task GetUser_WithoutName_IsTheCaller()
    {
        await using var aws = await StartAsync();
        var me = Ok(await aws.Root.IamAsync("GetUser"));
        Assert.Equal("arn:aws:iam::123456789012:user/localaws-root", me.Value("Arn"));
    }

    [Fact]
    public async Task DeleteUser_ConflictsUntilKeysPoliciesAndGroupsAreGone()
    {
        await using var aws = await StartAsync();
        var root = aws.Root;
        Ok(await root.IamAsync("CreateUser", ("UserName", "bob")));
        Ok(await root.IamAsync("CreateGroup", ("GroupName", "devs")));
        Ok(await root.IamAsync("AddUserToGroup", ("GroupName", "devs"), ("UserName", "bob")));
        Ok(await root.IamAsync("AttachUserPolicy", ("UserName", "bob"), ("PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess")));
        Ok(await root.IamAsync("PutUserPolicy", ("UserName", "bob"), ("PolicyName", "inline"), ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}""")));
        var keyId = Ok(await root.IamAsync("CreateAccessKey", ("UserName", "bob"))).Value("AccessKeyId")!;
        Assert.True(aws.Server.State.GetUser("bob")!.HasDependents);

        async Task Conflict(string message)
        {
            var answer = await root.IamAsync("DeleteUser", ("UserName", "bob"));
            Error(answer, HttpStatusCode.Conflict, "DeleteConflict");
            Assert.Equal(message, answer.ErrorMessage);
        }

        await Conflict("Cannot delete entity, must delete access keys first.");
        Ok(await root.IamAsync("DeleteAccessKey", ("UserName", "bob"), ("AccessKeyId", keyId)));
        await Conflict("Cannot delete entity, must delete policies first.");
        Ok(await root.IamAsync("DeleteUserPolicy", ("UserName", "bob"), ("PolicyName", "inline")));
        await Conflict("Cannot delete entity, must detach all policies first.");
        Ok(await root.IamAsync("DetachUserPolicy", ("UserName", "bob"), ("PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess")));
        await Conflict("Cannot delete entity, must remove users from group first.");
        Ok(await root.IamAsync("RemoveUserFromGroup", ("GroupName", "devs"), ("UserName", "bob")));
        Ok(await root.IamAsync("DeleteUser", ("UserName", "bob")));
    }

    [Fact]
    public async Task DeleteUser_ConflictsOnLoginProfileMfaSshCertificatesAndServiceCredentials()
    {
        await using var aws = await StartAsync();
        var root = aws.Root;
        Ok(await root.IamAsync("CreateUser", ("UserName", "carol")));
        Ok(await root.IamAsync("CreateLoginProfile", ("UserName", "carol"), ("Password", "Secret-Pass-123")));
        var serial = Ok(await root.IamAsync("CreateVirtualMFADevice", ("VirtualMFADeviceName", "carol-mfa"))).Value("SerialNumber")!;
        Ok(await root.IamAsync("EnableMFADevice", ("UserName", "carol"), ("SerialNumber", serial), ("AuthenticationCode1", "123456"), ("AuthenticationCode2", "654321")));
        var ssh = Ok(await root.IamAsync("UploadSSHPublicKey", ("UserName", "carol"), ("SSHPublicKeyBody", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 carol"))).Value("SSHPublicKeyId")!;
        var cert = Ok(await root.IamAsync("UploadSigningCertificate", ("UserName", "carol"), ("CertificateBody", "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----"))).Value("CertificateId")!;
        var cred = Ok(await root.IamAsync("CreateServiceSpecificCredential", ("UserName", "carol"), ("ServiceName", "codecommit.amazonaws.com"))).Value("ServiceSpecificCredentialId")!;

        Error(await root.IamAsync("DeleteUser", ("UserName", "carol")), HttpStatusCode.Conflict, "DeleteConflict");
        Ok(await root.IamAsync("DeleteLoginProfile", ("UserName", "carol")));
        Error(await root.IamAsync("DeleteUser", ("UserName", "carol")), HttpStatusCode.Conflict, "DeleteConflict");
        Ok(await root.IamAsync("DeleteSigningCertificate", ("UserName", "carol"), ("CertificateId", cert)));
        Assert.Equal(serial, Ok(await root.IamAsync("ListMFADevices", ("UserName", "carol"))).Value("SerialNumber"));
        Error(await root.IamAsync("DeleteVirtualMFADevice", ("SerialNumber", serial)), HttpStatusCode.Conflict, "DeleteConflict");
        Ok(await root.IamAsync("DeactivateMFADevice", ("UserName", "carol"), ("SerialNumber", serial)));
        Ok(await root.IamAsync("DeleteVirtualMFADevice", ("SerialNumber", serial)));
        Error(await root.IamAsync("DeleteUser", ("UserName", "carol")), HttpStatusCode.Conflict, "DeleteConflict");
        Assert.Equal(ssh, Ok(await root.IamAsync("ListSSHPublicKeys", ("UserName", "carol"))).Value("SSHPublicKeyId"));
        Ok(await root.IamAsync("DeleteSSHPublicKey", ("UserName", "carol"), ("SSHPublicKeyId", ssh)));
        Error(await root.IamAsync("DeleteUser", ("UserName", "carol")), HttpStatusCode.Conflict, "DeleteConflict");
        Assert.Equal(cred, Ok(await root.IamAsync("ListServiceSpecificCredentials", ("UserName", "carol"))).Value("ServiceSpecificCredentialId"));
        Ok(await root.IamAsync("DeleteServiceSpecificCredential", ("UserName", "carol"), ("ServiceSpecificCredentialId", cred)));
        Ok(await root.IamAsync("DeleteUser", ("UserName", "carol")));
    }

    [Fact]
    public async Task CreateAccessKey_ThirdKey_LimitExceeded()
    {
        await using var aws = await StartAsync();
        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "dave")));
        var first = Ok(await aws.Root.IamAsync("CreateAccessKey", ("UserName", "dave")));
        Assert.Matches("^AKIA[A-Z0-9]{16}$", first.Value("AccessKeyId"));
        Assert.Equal(40, first.Value("SecretAccessKey")!.Length);
        Assert.Equal("Active", first.Value("Status"));
        Ok(await aws.Root.IamAsync("CreateAccessKey", ("UserName", "dave")));
        var third = await aws.Root.IamAsync("CreateAccessKey", ("UserName", "dave"));
        Error(third, HttpStatusCode.Conflict, "LimitExceeded");
        Assert.Equal("Cannot exceed quota for AccessKeysPerUser: 2", third.ErrorMessage);
        var list = Ok(await aws.Root.IamAsync("ListAccessKeys", ("UserName", "dave")));
        Assert.Equal(2, list.Xml.Descendants().Count(e => e.Name.LocalName == "member" && e.Parent!.Name.LocalName == "AccessKeyMetadata"));
    }

    [Fact]
    public async Task NoSuchEntity_ForUnknownUserAndUnknownPolicyArn_InvalidInputForMalformedArn()
    {
        await using var aws = await StartAsync();
        var unknownUser = await aws.Root.IamAsync("GetUser", ("UserName", "nobody"));
        Error(unknownUser, HttpStatusCode.NotFound, "NoSuchEntity");
        Assert.Equal("The user with name nobody cannot be found.", unknownUser.ErrorMessage);

        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "erin")));
        var unknownPolicy = await aws.Root.IamAsync("AttachUserPolicy", ("UserName", "erin"), ("PolicyArn", "arn:aws:iam::aws:policy/NoSuchPolicyAtAll"));
        Error(unknownPolicy, HttpStatusCode.NotFound, "NoSuchEntity");
        Assert.Equal("Policy arn:aws:iam::aws:policy/NoSuchPolicyAtAll does not exist or is not attachable.", unknownPolicy.ErrorMessage);
        Error(await aws.Root.IamAsync("AttachUserPolicy", ("UserName", "erin"), ("PolicyArn", "this-is-not-an-arn-at-all")), HttpStatusCode.BadRequest, "InvalidInput");
        Ok(await aws.Root.IamAsync("AttachUserPolicy", ("UserName", "erin"), ("PolicyArn", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")));
    }

    [Fact]
    public async Task ValidationError_ForLongOrBadNamesPathsAndMissingParameters()
    {
        await using var aws = await StartAsync();
        var tooLong = await aws.Root.IamAsync("CreateUser", ("UserName", new string('a', 65)));
        Error(tooLong, HttpStatusCode.BadRequest, "ValidationError");
        Assert.Contains("Member must have length less than or equal to 64", tooLong.ErrorMessage, StringComparison.Ordinal);
        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", new string('a', 64))));
        Error(await aws.Root.IamAsync("CreateUser", ("UserName", "has space")), HttpStatusCode.BadRequest, "ValidationError");
        Error(await aws.Root.IamAsync("CreateUser", ("UserName", "ok"), ("Path", "no-slashes")), HttpStatusCode.BadRequest, "ValidationError");
        Error(await aws.Root.IamAsync("CreateUser"), HttpStatusCode.BadRequest, "ValidationError");
        Error(await aws.Root.IamAsync("NoSuchAction"), HttpStatusCode.BadRequest, "InvalidAction");
    }

    [Fact]
    public async Task PutUserPolicy_MalformedDocuments_AndGetUserPolicyIsUrlEncoded()
    {
        await using var aws = await StartAsync();
        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "frank")));
        foreach (var bad in new[] { "{not json", "[]", """{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}""", """{"Statement":[{"Effect":"Allow","Action":"*"}]}""" })
        {
            Error(await aws.Root.IamAsync("PutUserPolicy", ("UserName", "frank"), ("PolicyName", "p"), ("PolicyDocument", bad)), HttpStatusCode.BadRequest, "MalformedPolicyDocument");
        }

        const string doc = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*"],"Resource":"*"}]}""";
        Ok(await aws.Root.IamAsync("PutUserPolicy", ("UserName", "frank"), ("PolicyName", "p"), ("PolicyDocument", doc)));
        var got = Ok(await aws.Root.IamAsync("GetUserPolicy", ("UserName", "frank"), ("PolicyName", "p")));
        Assert.Equal(Uri.EscapeDataString(doc), got.Value("PolicyDocument"));
        Assert.Equal(doc, Uri.UnescapeDataString(got.Value("PolicyDocument")!));
        Assert.Equal(["p"], Ok(await aws.Root.IamAsync("ListUserPolicies", ("UserName", "frank"))).Values("member"));
        Error(await aws.Root.IamAsync("GetUserPolicy", ("UserName", "frank"), ("PolicyName", "other")), HttpStatusCode.NotFound, "NoSuchEntity");
    }

    [Fact]
    public async Task ListUsers_PaginatesWithMaxItemsAndMarker()
    {
        await using var aws = await StartAsync();
        for (var i = 1; i <= 5; i++)
        {
            Ok(await aws.Root.IamAsync("CreateUser", ("UserName", $"page-user-{i}"), ("Path", "/paged/")));
        }

        var seen = new List<string>();
        string? marker = null;
        var pages = 0;
        do
        {
            var p = new List<(string, string)> { ("PathPrefix", "/paged/"), ("MaxItems", "2") };
            if (marker is not null)
            {
                p.Add(("Marker", marker));
            }

            var page = Ok(await aws.Root.IamAsync("ListUsers", [.. p]));
            pages++;
            var names = page.Values("UserName").ToList();
            Assert.True(names.Count <= 2);
            seen.AddRange(names);
            marker = page.Value("IsTruncated") == "true" ? page.Value("Marker") : null;
            Assert.True(marker is not null || page.Value("Marker") is null);
        }
        while (marker is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"page-user-{i}"), seen);
    }

    [Fact]
    public async Task WrongSecret_SignatureDoesNotMatch_UnknownKey_InvalidClientTokenId_NoAuth_Missing()
    {
        await using var aws = await StartAsync();
        var wrong = aws.Root.WithKey(aws.Server.Options.RootAccessKeyId, "not-the-secret");
        Error(await wrong.IamAsync("ListUsers"), HttpStatusCode.Forbidden, "SignatureDoesNotMatch");
        Error(await wrong.StsAsync("GetCallerIdentity"), HttpStatusCode.Forbidden, "SignatureDoesNotMatch");

        var unknown = await aws.Root.WithKey("AKIDUNKNOWNEXAMPLE00", "x").IamAsync("ListUsers");
        Error(unknown, HttpStatusCode.Forbidden, "InvalidClientTokenId");
        Assert.Equal("The security token included in the request is invalid.", unknown.ErrorMessage);

        var unsigned = await aws.Root.CallAsync("iam", "2010-05-08", "ListUsers", [], sign: false);
        Error(unsigned, HttpStatusCode.Forbidden, "MissingAuthenticationToken");

        var stale = await aws.Root.CallAsync("iam", "2010-05-08", "ListUsers", [], signedAt: DateTime.UtcNow.AddMinutes(-20));
        Error(stale, HttpStatusCode.Forbidden, "SignatureDoesNotMatch");
        Assert.StartsWith("Signature expired:", stale.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssuedKey_WorksForGetCallerIdentity_UntilInactiveOrDeleted()
    {
        await using var aws = await StartAsync();
        var grace = await aws.UserWithKeyAsync("grace");
        var who = Ok(await grace.StsAsync("GetCallerIdentity"));
        Assert.Equal(System.Xml.Linq.XName.Get("GetCallerIdentityResponse", StsNs), who.Xml.Root!.Name);
        Assert.Equal("arn:aws:iam::123456789012:user/grace", who.Value("Arn"));
        Assert.Equal("123456789012", who.Value("Account"));
        Assert.Equal(aws.Server.State.GetUser("grace")!.UserId, who.Value("UserId"));

        Ok(await aws.Root.IamAsync("UpdateAccessKey", ("UserName", "grace"), ("AccessKeyId", grace.AccessKeyId), ("Status", "Inactive")));
        Error(await grace.StsAsync("GetCallerIdentity"), HttpStatusCode.Forbidden, "InvalidClientTokenId");
        Ok(await aws.Root.IamAsync("UpdateAccessKey", ("UserName", "grace"), ("AccessKeyId", grace.AccessKeyId), ("Status", "Active")));
        Ok(await grace.StsAsync("GetCallerIdentity"));
        Ok(await aws.Root.IamAsync("DeleteAccessKey", ("UserName", "grace"), ("AccessKeyId", grace.AccessKeyId)));
        Error(await grace.StsAsync("GetCallerIdentity"), HttpStatusCode.Forbidden, "InvalidClientTokenId");
    }

    [Fact]
    public async Task KeyPropagation_NewKeyRefusedForAWhile()
    {
        await using var aws = await StartAsync(o => o.KeyPropagationMs = 700);
        var heidi = await aws.UserWithKeyAsync("heidi");
        Error(await heidi.StsAsync("GetCallerIdentity"), HttpStatusCode.Forbidden, "InvalidClientTokenId");
        await Task.Delay(900);
        Ok(await heidi.StsAsync("GetCallerIdentity"));
    }

    [Fact]
    public async Task Fail_CreateAccessKeyFirstCall_ServiceFailure500Once()
    {
        await using var aws = await StartAsync(o => o.Fail.Add(FaultRule.Parse("CreateAccessKey:1")));
        Ok(await aws.Root.IamAsync("CreateUser", ("UserName", "ivan")));
        Error(await aws.Root.IamAsync("CreateAccessKey", ("UserName", "ivan")), HttpStatusCode.InternalServerError, "ServiceFailure", "Receiver");
        Assert.Empty(aws.Server.State.GetUser("ivan")!.AccessKeys);
        Ok(await aws.Root.IamAsync("CreateAccessKey", ("UserName", "ivan")));
        Assert.Equal(2, aws.Server.State.CountRequests("CreateAccessKey"));
    }

    [Fact]
    public async Task Drop_ClosesTheConnectionWithoutAnswer()
    {
        await using var aws = await StartAsync(o => o.Drop.Add(new FaultRule("ListUsers", 1)));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => aws.Root.IamAsync("ListUsers"));
        Ok(await aws.Root.IamAsync("ListUsers"));
    }

    [Fact]
    public async Task Throttle_OverTheRate_Throttling400()
    {
        await using var aws = await StartAsync(o => o.ThrottleRps = 5);
        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => aws.Root.IamAsync("ListUsers")));
        var throttled = answers.Where(a => a.ErrorCode == "Throttling").ToList();
        Assert.NotEmpty(throttled);
        Error(throttled[0], HttpStatusCode.BadRequest, "Throttling");
        Assert.Equal("Rate exceeded", throttled[0].ErrorMessage);
        Assert.Contains(answers, a => a.Status == HttpStatusCode.OK);
    }

    [Fact]
    public async Task ExpiryGuard_DenyAfterCurrentTime_AppliesOnceTheClockPassesIt()
    {
        await using var aws = await StartAsync();
        var judy = await aws.UserWithKeyAsync("judy", "arn:aws:iam::aws:policy/ReadOnlyAccess");
        var expiry = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var guard = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"EXPIRY"}}}]}""".Replace("EXPIRY", expiry, StringComparison.Ordinal);
        Ok(await aws.Root.IamAsync("PutUserPolicy", ("UserName", "judy"), ("PolicyName", "expiry-guard"), ("PolicyDocument", guard)));
        Ok(await judy.StsAsync("GetCallerIdentity"));
        Ok(await judy.IamAsync("ListUsers"));

        aws.Server.Options.ClockOffset = TimeSpan.FromHours(2);
        var denied = await judy.StsAsync("GetCallerIdentity");
        Error(denied, HttpStatusCode.Forbidden, "AccessDenied");
        Assert.Contains("explicit deny", denied.ErrorMessage, StringComparison.Ordinal);
        Error(await judy.IamAsync("ListUsers"), HttpStatusCode.Forbidden, "AccessDenied");
        Ok(await aws.Root.IamAsync("ListUsers"));
    }

    [Fact]
    public async Task ReadOnlyUser_MayReadButNotCreate()
    {
        await using var aws = await StartAsync();
        var karl = await aws.UserWithKeyAsync("karl", "arn:aws:iam::aws:policy/ReadOnlyAccess");
        Ok(await karl.IamAsync("ListUsers"));
        Ok(await karl.IamAsync("GetUser"));
        var denied = await karl.IamAsync("CreateUser", ("UserName", "mallory"));
        Error(denied, HttpStatusCode.Forbidden, "AccessDenied");
        Assert.Equal("User: arn:aws:iam::123456789012:user/karl is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/mallory because no identity-based policy allows the iam:CreateUser action", denied.ErrorMessage);
        Assert.False(aws.Server.State.UserExists("mallory"));

        var admin = await aws.UserWithKeyAsync("leo", "arn:aws:iam::aws:policy/AdministratorAccess");
        Ok(await admin.IamAsync("CreateUser", ("UserName", "created-by-leo")));
    }

    [Fact]
    public async Task ConcurrentCreatesAndDeletes_AreConsistent()
    {
        await using var aws = await StartAsync();
        using var gate = new SemaphoreSlim(16);
        async Task Run(int i)
        {
            await gate.WaitAsync();
            try
            {
                Ok(await aws.Root.IamAsync("CreateUser", ("UserName", $"bulk-{i}"), ("Path", "/bulk/")));
                Ok(await aws.Root.IamAsync("DeleteUser", ("UserName", $"bulk-{i}")));
            }
            finally
            {
                gate.Release();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 200).Select(Run));
        Assert.DoesNotContain(aws.Server.State.Users, u => u.Path == "/bulk/");
    }

    [Fact]
    public async Task Cli_PrintsTheListeningLine_AndExitsWhenStdinCloses()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "LocalAws.dll");
        Assert.True(File.Exists(dll), dll);
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "--port", "0", "--fail", "CreateUser:2", "--clock-offset", "90s" })
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        try
        {
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Matches(@"^LocalAws listening on http://127\.0\.0\.1:\d+$", first);
            Assert.Equal("Root access key: AKIAIOSFODNN7EXAMPLE", await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5)));
            var endpoint = new Uri(first!["LocalAws listening on ".Length..] + "/");
            var client = new TestSigner(endpoint, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
            Ok(await client.StsAsync("GetCallerIdentity"));
            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Cli_UnknownOption_ExitCode2()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LocalAws.dll"));
        psi.ArgumentList.Add("--no-such-option");
        using var process = Process.Start(psi)!;
        var stderr = await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--no-such-option", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("2h", 7200)]
    [InlineData("-1h", -3600)]
    [InlineData("01:00:00", 3600)]
    [InlineData("500ms", 0.5)]
    public void ParseDuration_AcceptsTheCommandLineForms(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), LocalAwsOptions.ParseDuration(text));
}
