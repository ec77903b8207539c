using DynamicAwsCreds.Engine.Aws;
using Xunit;

namespace DynamicAwsCreds.Tests.Aws;

/// <summary>AWS's published Signature Version 4 test suite (2015 edition), as test data.</summary>
public class SigV4Tests
{
    private static readonly AwsCredentials SuiteKey = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    private static readonly DateTime SuiteDate = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void GetVanilla()
    {
        var (creq, signed) = SigV4.CanonicalRequest("GET", SigV4.CanonicalUri(new Uri("https://example.amazonaws.com/")), [],
            [new("Host", "example.amazonaws.com"), new("X-Amz-Date", "20150830T123600Z")], SigV4.Sha256Hex([]));

        Assert.Equal(
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptyHash, creq);
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
            + "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            SigV4.Authorization(SuiteKey, "us-east-1", "service", SuiteDate, signed, creq));
    }

    [Fact]
    public void PostXWwwFormUrlencoded()
    {
        var body = "Param1=value1"u8.ToArray();
        var (creq, signed) = SigV4.CanonicalRequest("POST", "/", [],
            [
                new("Content-Type", "application/x-www-form-urlencoded"),
                new("Host", "example.amazonaws.com"),
                new("X-Amz-Date", "20150830T123600Z"),
            ],
            SigV4.Sha256Hex(body));

        Assert.Equal(
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n"
            + "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
            + "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e", creq);
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=content-type;host;x-amz-date, "
            + "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
            SigV4.Authorization(SuiteKey, "us-east-1", "service", SuiteDate, signed, creq));
    }

    [Fact]
    public void CanonicalQueryIsSortedAndEncoded()
    {
        // get-vanilla-query-order-key-case and get-vanilla-query-unreserved of the same suite.
        var (creq, _) = SigV4.CanonicalRequest("GET", "/", [new("Param2", "value2"), new("Param1", "value1")],
            [new("host", "example.amazonaws.com")], EmptyHash);
        Assert.Contains("\nParam1=value1&Param2=value2\n", creq);

        const string unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        Assert.Equal(unreserved, SigV4.UriEncode(unreserved));
    }

    [Theory]
    [InlineData("a b", "a%20b")]
    [InlineData("a+b", "a%2Bb")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("*", "%2A")]
    [InlineData("é", "%C3%A9")]
    [InlineData("😀", "%F0%9F%98%80")]
    public void UriEncodeIsRfc3986WithUpperCaseHex(string value, string expected) =>
        Assert.Equal(expected, SigV4.UriEncode(value));

    [Theory]
    [InlineData("https://iam.amazonaws.com/", "iam.amazonaws.com")]
    [InlineData("https://iam.amazonaws.com:443/", "iam.amazonaws.com")]
    [InlineData("http://127.0.0.1:4599/", "127.0.0.1:4599")]
    [InlineData("http://localhost:80/", "localhost")]
    [InlineData("http://[::1]:4599/", "[::1]:4599")]
    public void HostHeaderHasThePortOnlyWhenNotTheDefault(string endpoint, string expected) =>
        Assert.Equal(expected, SigV4.HostHeader(new Uri(endpoint)));

    [Fact]
    public void HeaderValuesAreTrimmedAndSpacesCollapsed()
    {
        var (creq, signed) = SigV4.CanonicalRequest("GET", "/", [],
            [new("My-Header1", "  a   b  "), new("host", "h")], EmptyHash);
        Assert.Contains("\nmy-header1:a b\n", creq);
        Assert.Equal("host;my-header1", signed);
    }
}
