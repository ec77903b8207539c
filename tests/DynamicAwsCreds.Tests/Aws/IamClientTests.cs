using System.Net;
using DynamicAwsCreds.Engine.Aws;
using Xunit;

namespace DynamicAwsCreds.Tests.Aws;

public class IamClientTests
{
    [Fact]
    public async Task ListsFollowMarkerAcrossPages()
    {
        var handler = new FakeHandler((r, n, _) => FakeWire.Ok("ListUsers", n switch
        {
            1 => $"<Users><member>{FakeWire.UserXml("a")}</member><member>{FakeWire.UserXml("b")}</member></Users>"
                 + "<IsTruncated>true</IsTruncated><Marker>page+2/=</Marker>",
            2 => $"<Users><member>{FakeWire.UserXml("c")}</member></Users><IsTruncated>true</IsTruncated><Marker>page3</Marker>",
            _ => $"<Users><member>{FakeWire.UserXml("d")}</member></Users><IsTruncated>false</IsTruncated>",
        }));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));

        var users = await iam.ListUsersAsync("/vault/");

        Assert.Equal(["a", "b", "c", "d"], users.Select(u => u.UserName));
        var requests = handler.Requests.ToArray();
        Assert.Equal([null, "page+2/=", "page3"], requests.Select(r => r["Marker"]));
        Assert.All(requests, r => Assert.Equal("/vault/", r["PathPrefix"]));
        Assert.Contains("&Marker=page%2B2%2F%3D", requests[1].Body);
    }

    [Fact]
    public async Task TruncatedWithoutMarkerIsAnError()
    {
        var handler = new FakeHandler((_, _, _) => FakeWire.Ok("ListUserPolicies",
            "<PolicyNames><member>p</member></PolicyNames><IsTruncated>true</IsTruncated>"));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));

        await Assert.ThrowsAsync<InvalidDataException>(() => iam.ListUserPoliciesAsync("alice"));
    }

    [Fact]
    public async Task EveryRevokeListParsesItsMembers()
    {
        var handler = new FakeHandler((r, _, _) => r.Action switch
        {
            "ListAttachedUserPolicies" => FakeWire.Ok(r.Action,
                "<AttachedPolicies><member><PolicyName>ReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member></AttachedPolicies><IsTruncated>false</IsTruncated>"),
            "ListUserPolicies" => FakeWire.Ok(r.Action, "<PolicyNames><member>p1</member><member>p2</member></PolicyNames>"),
            "ListGroupsForUser" => FakeWire.Ok(r.Action,
                "<Groups><member><Path>/</Path><GroupName>devs</GroupName><GroupId>AGPA1</GroupId><Arn>arn:aws:iam::123456789012:group/devs</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate></member></Groups>"),
            "ListAccessKeys" => FakeWire.Ok(r.Action,
                "<AccessKeyMetadata><member><UserName>alice</UserName><AccessKeyId>AKIA1</AccessKeyId><Status>Inactive</Status><CreateDate>2024-01-01T00:00:00.123Z</CreateDate></member></AccessKeyMetadata>"),
            "ListMFADevices" => FakeWire.Ok(r.Action,
                "<MFADevices><member><UserName>alice</UserName><SerialNumber>arn:aws:iam::123456789012:mfa/alice</SerialNumber><EnableDate>2024-01-01T00:00:00Z</EnableDate></member></MFADevices>"),
            "ListSSHPublicKeys" => FakeWire.Ok(r.Action,
                "<SSHPublicKeys><member><UserName>alice</UserName><SSHPublicKeyId>APKA1</SSHPublicKeyId><Status>Active</Status></member></SSHPublicKeys>"),
            "ListSigningCertificates" => FakeWire.Ok(r.Action,
                "<Certificates><member><UserName>alice</UserName><CertificateId>CERT1</CertificateId><Status>Active</Status></member></Certificates>"),
            "ListServiceSpecificCredentials" => FakeWire.Ok(r.Action,
                "<ServiceSpecificCredentials><member><UserName>alice</UserName><ServiceSpecificCredentialId>ACCA1</ServiceSpecificCredentialId><ServiceName>codecommit.amazonaws.com</ServiceName></member></ServiceSpecificCredentials>"),
            "ListAttachedGroupPolicies" => FakeWire.Ok(r.Action,
                "<AttachedPolicies><member><PolicyName>P</PolicyName><PolicyArn>arn:aws:iam::123456789012:policy/P</PolicyArn></member></AttachedPolicies>"),
            "ListGroupPolicies" => FakeWire.Ok(r.Action, "<PolicyNames><member>g1</member></PolicyNames>"),
            "GetGroupPolicy" => FakeWire.Ok(r.Action,
                "<GroupName>devs</GroupName><PolicyName>g1</PolicyName><PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGet%2A%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Aa%2Bb%22%7D%5D%7D</PolicyDocument>"),
            _ => throw new InvalidOperationException(r.Action),
        });
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));

        Assert.Equal([new AttachedPolicy("ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess")],
            await iam.ListAttachedUserPoliciesAsync("alice"));
        Assert.Equal(["p1", "p2"], await iam.ListUserPoliciesAsync("alice"));
        Assert.Equal(["devs"], await iam.ListGroupsForUserAsync("alice"));
        Assert.Equal([new IamAccessKeyMetadata("alice", "AKIA1", "Inactive", new DateTimeOffset(2024, 1, 1, 0, 0, 0, 123, TimeSpan.Zero))],
            await iam.ListAccessKeysAsync("alice"));
        Assert.Equal(["arn:aws:iam::123456789012:mfa/alice"], await iam.ListMfaDeviceSerialsAsync("alice"));
        Assert.Equal(["APKA1"], await iam.ListSshPublicKeyIdsAsync("alice"));
        Assert.Equal(["CERT1"], await iam.ListSigningCertificateIdsAsync("alice"));
        Assert.Equal(["ACCA1"], await iam.ListServiceSpecificCredentialIdsAsync("alice"));
        Assert.Equal([new AttachedPolicy("P", "arn:aws:iam::123456789012:policy/P")], await iam.ListAttachedGroupPoliciesAsync("devs"));
        Assert.Equal(["g1"], await iam.ListGroupPoliciesAsync("devs"));
        Assert.Equal("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"arn:aws:s3:::a+b\"}]}",
            await iam.GetGroupPolicyAsync("devs", "g1"));
        Assert.All(handler.Requests.Where(r => r.Action != "ListAttachedGroupPolicies" && r.Action != "ListGroupPolicies" && r.Action != "GetGroupPolicy"),
            r => Assert.Equal("alice", r["UserName"]));
    }

    [Fact]
    public async Task RemovalActionsSendAwsParameterNames()
    {
        var handler = new FakeHandler((r, _, _) => FakeWire.Ok(r.Action, ""));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));

        await iam.DetachUserPolicyAsync("alice", "arn:aws:iam::aws:policy/ReadOnlyAccess");
        await iam.DeleteUserPolicyAsync("alice", "role");
        await iam.AddUserToGroupAsync("alice", "devs");
        await iam.RemoveUserFromGroupAsync("alice", "devs");
        await iam.DeleteAccessKeyAsync("AKIA1", "alice");
        await iam.DeleteLoginProfileAsync("alice");
        await iam.DeactivateMfaDeviceAsync("alice", "arn:aws:iam::123456789012:mfa/alice");
        await iam.DeleteSshPublicKeyAsync("alice", "APKA1");
        await iam.DeleteSigningCertificateAsync("alice", "CERT1");
        await iam.DeleteServiceSpecificCredentialAsync("alice", "ACCA1");
        await iam.TagUserAsync("alice", new Dictionary<string, string> { ["k"] = "v" });

        Assert.Equal(
        [
            "Action=DetachUserPolicy&Version=2010-05-08&UserName=alice&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess",
            "Action=DeleteUserPolicy&Version=2010-05-08&UserName=alice&PolicyName=role",
            "Action=AddUserToGroup&Version=2010-05-08&UserName=alice&GroupName=devs",
            "Action=RemoveUserFromGroup&Version=2010-05-08&UserName=alice&GroupName=devs",
            "Action=DeleteAccessKey&Version=2010-05-08&UserName=alice&AccessKeyId=AKIA1",
            "Action=DeleteLoginProfile&Version=2010-05-08&UserName=alice",
            "Action=DeactivateMFADevice&Version=2010-05-08&UserName=alice&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice",
            "Action=DeleteSSHPublicKey&Version=2010-05-08&UserName=alice&SSHPublicKeyId=APKA1",
            "Action=DeleteSigningCertificate&Version=2010-05-08&UserName=alice&CertificateId=CERT1",
            "Action=DeleteServiceSpecificCredential&Version=2010-05-08&UserName=alice&ServiceSpecificCredentialId=ACCA1",
            "Action=TagUser&Version=2010-05-08&UserName=alice&Tags.member.1.Key=k&Tags.member.1.Value=v",
        ], handler.Requests.Select(r => r.Body));
    }

    [Fact]
    public async Task CreateAccessKeyReturnsTheSecretButDoesNotPrintIt()
    {
        var handler = new FakeHandler((_, _, _) => FakeWire.Ok("CreateAccessKey",
            "<AccessKey><UserName>alice</UserName><AccessKeyId>AKIANEW</AccessKeyId><Status>Active</Status>"
            + "<SecretAccessKey>s3cr3t/with+chars</SecretAccessKey><CreateDate>2024-05-06T07:08:09Z</CreateDate></AccessKey>"));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));

        var key = await iam.CreateAccessKeyAsync("alice");

        Assert.Equal(new IamAccessKey("alice", "AKIANEW", "s3cr3t/with+chars", "Active",
            new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero)), key);
        Assert.DoesNotContain("s3cr3t", key.ToString());
    }

    [Fact]
    public async Task AMissingElementIsAClearError()
    {
        var handler = new FakeHandler((_, _, _) => Task.FromResult(FakeWire.Xml(HttpStatusCode.OK,
            "<GetUserResponse><GetUserResult><User><UserName>a</UserName></User></GetUserResult></GetUserResponse>")));
        var iam = new IamClient(FakeWire.Client(handler, FakeWire.Options()));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => iam.GetUserAsync("a"));
        Assert.Contains("<UserId>", error.Message);
    }
}
