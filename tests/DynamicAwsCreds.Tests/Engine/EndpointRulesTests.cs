using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Store;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>Partitions from regions, the endpoints a root config resolves to, and which hosts may receive root-signed requests.</summary>
public sealed class EndpointRulesTests
{
    private static RootConfigRecord Config(string? region = null, string? iam = null, string? sts = null) =>
        new("aws", null, null, region, iam, sts, null, null);

    [Theory]
    [InlineData("us-east-1", "aws", "https://iam.amazonaws.com/", "us-east-1", "https://sts.us-east-1.amazonaws.com/")]
    [InlineData("eu-west-2", "aws", "https://iam.amazonaws.com/", "us-east-1", "https://sts.eu-west-2.amazonaws.com/")]
    [InlineData("us-gov-west-1", "aws-us-gov", "https://iam.us-gov.amazonaws.com/", "us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com/")]
    [InlineData("us-gov-east-1", "aws-us-gov", "https://iam.us-gov.amazonaws.com/", "us-gov-west-1", "https://sts.us-gov-east-1.amazonaws.com/")]
    [InlineData("cn-north-1", "aws-cn", "https://iam.cn-north-1.amazonaws.com.cn/", "cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn/")]
    [InlineData("cn-northwest-1", "aws-cn", "https://iam.cn-north-1.amazonaws.com.cn/", "cn-north-1", "https://sts.cn-northwest-1.amazonaws.com.cn/")]
    public void The_region_decides_the_partition_and_its_default_endpoints(string region, string partition, string iam, string iamRegion, string sts)
    {
        var endpoints = MountEndpoints.Resolve(Config(region));

        Assert.Equal(partition, endpoints.Partition.Name);
        Assert.Equal(new Uri(iam), endpoints.Iam.Url);
        Assert.Equal(iamRegion, endpoints.Iam.SigningRegion);
        Assert.True(endpoints.Iam.IsDefault);
        var only = Assert.Single(endpoints.Sts);
        Assert.Equal(new Uri(sts), only.Url);
        Assert.Equal(region, only.SigningRegion);
        Assert.True(only.IsDefault);
    }

    [Fact]
    public void A_custom_iam_endpoint_is_still_signed_for_the_partitions_iam_region()
    {
        var endpoints = MountEndpoints.Resolve(Config("us-gov-east-1", iam: "https://iam.us-gov.amazonaws.com/"));
        Assert.Equal("us-gov-west-1", endpoints.Iam.SigningRegion);
        Assert.False(endpoints.Iam.IsDefault);
    }

    [Fact]
    public void Sts_region_and_fallbacks_resolve_in_the_order_they_are_tried()
    {
        var config = Config("us-east-1") with
        {
            StsRegion = "us-east-2",
            StsFallbackEndpoints = ["https://sts.us-west-2.amazonaws.com/", "https://sts.eu-west-1.amazonaws.com/"],
            StsFallbackRegions = ["us-west-2", "eu-west-1"],
        };

        var sts = MountEndpoints.Resolve(config).Sts;

        Assert.Equal(
            [("https://sts.us-east-2.amazonaws.com/", "us-east-2", true), ("https://sts.us-west-2.amazonaws.com/", "us-west-2", false), ("https://sts.eu-west-1.amazonaws.com/", "eu-west-1", false)],
            sts.Select(e => (e.Url.ToString(), e.SigningRegion, e.IsDefault)));
    }

    [Fact]
    public void An_sts_endpoint_is_signed_for_the_sts_region_when_there_is_one()
    {
        var sts = MountEndpoints.Resolve(Config("eu-west-1", sts: "https://sts.eu-central-1.amazonaws.com/") with { StsRegion = "eu-central-1" }).Sts;
        Assert.Equal(("https://sts.eu-central-1.amazonaws.com/", "eu-central-1", false), (sts[0].Url.ToString(), sts[0].SigningRegion, sts[0].IsDefault));
    }

    [Theory]
    [InlineData("http://127.0.0.1:4599/", EndpointHost.Loopback)]
    [InlineData("http://127.8.9.10/", EndpointHost.Loopback)]
    [InlineData("http://[::1]:4599/", EndpointHost.Loopback)]
    [InlineData("http://localhost:4599/", EndpointHost.Loopback)]
    [InlineData("http://LOCALHOST/", EndpointHost.Loopback)]
    [InlineData("https://iam.amazonaws.com/", EndpointHost.Aws)]
    [InlineData("https://iam.amazonaws.com./", EndpointHost.Aws)]
    [InlineData("https://vpce-0abc.iam.us-east-1.vpce.amazonaws.com/", EndpointHost.Aws)]
    [InlineData("https://sts.cn-north-1.amazonaws.com.cn/", EndpointHost.Aws)]
    [InlineData("https://iam.global.api.aws/", EndpointHost.Aws)]
    [InlineData("https://sts.us-east-1.api.aws/", EndpointHost.Aws)]
    [InlineData("https://sts.cn-north-1.api.amazonwebservices.com.cn/", EndpointHost.Aws)]
    [InlineData("https://amazonaws.com.evil.example/", EndpointHost.Custom)]
    [InlineData("https://evilamazonaws.com/", EndpointHost.Custom)]
    [InlineData("https://iam.example.com/", EndpointHost.Custom)]
    [InlineData("http://10.0.0.1/", EndpointHost.Custom)]
    [InlineData("http://128.0.0.1/", EndpointHost.Custom)]
    [InlineData("http://localhost.example.com/", EndpointHost.Custom)]
    public void Hosts_are_aws_loopback_or_custom(string url, EndpointHost expected) =>
        Assert.Equal(expected, EndpointRules.Classify(new Uri(url)));

    [Theory]
    [InlineData("http://iam.amazonaws.com/")]
    [InlineData("http://10.0.0.1:4599/")]
    [InlineData("http://iam.example.com/")]
    public void Plain_http_to_another_machine_is_refused_even_when_custom_hosts_are_allowed(string url)
    {
        var endpoints = MountEndpoints.Resolve(Config(iam: url));
        var ex = Assert.Throws<EngineException>(() => EndpointRules.Check(endpoints, _ => true, "aws", stored: false));
        Assert.Equal("InsecureEndpoint", ex.Reason);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(url, ex.Target);
    }

    [Fact]
    public void A_custom_host_needs_consent_and_loopback_and_aws_hosts_do_not()
    {
        var custom = MountEndpoints.Resolve(Config(iam: "https://iam.example.com/"));
        var ex = Assert.Throws<EngineException>(() => EndpointRules.Check(custom, _ => false, "aws", stored: false));
        Assert.Equal("InsecureEndpoint", ex.Reason);
        Assert.Contains("-AllowCustomEndpoint", ex.Message);
        EndpointRules.Check(custom, _ => true, "aws", stored: false);

        EndpointRules.Check(MountEndpoints.Resolve(Config(iam: "http://127.0.0.1:4599/", sts: "http://[::1]:4599/")), _ => false, "aws", stored: false);
        EndpointRules.Check(MountEndpoints.Resolve(Config("cn-north-1")), _ => false, "aws", stored: false);
    }

    [Theory]
    [InlineData("cn-north-1", "arn:aws-cn:iam::aws:policy/ReadOnlyAccess", true)]
    [InlineData("cn-north-1", "arn:aws:iam::aws:policy/ReadOnlyAccess", false)]
    [InlineData("us-east-1", "arn:aws-cn:iam::aws:policy/ReadOnlyAccess", false)]
    [InlineData("us-gov-west-1", "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess", true)]
    [InlineData("us-gov-west-1", "arn:aws:iam::aws:policy/ReadOnlyAccess", false)]
    [InlineData("eu-west-1", "arn:aws:iam::aws:policy/ReadOnlyAccess", true)]
    public void Policy_arns_are_checked_against_the_partition(string region, string arn, bool valid)
    {
        var role = new Role { Mount = "aws", Name = "r", CredentialType = "iam_user", PolicyArns = [arn] };
        AssertPartitionCheck(role, region, valid, arn);
        AssertPartitionCheck(role with { PolicyArns = [], PermissionsBoundaryArn = arn }, region, valid, arn);
    }

    [Fact]
    public void Role_arns_and_mfa_device_arns_are_checked_but_hardware_mfa_serials_are_not()
    {
        var assumed = new Role { Mount = "aws", Name = "r", CredentialType = "assumed_role", RoleArns = ["arn:aws:iam::123456789012:role/deploy"] };
        AssertPartitionCheck(assumed, "us-east-1", true, null);
        AssertPartitionCheck(assumed, "us-gov-west-1", false, "arn:aws:iam::123456789012:role/deploy");
        AssertPartitionCheck(assumed with { RoleArns = ["arn:aws-us-gov:iam::123456789012:role/deploy"] }, "us-gov-west-1", true, null);

        var session = new Role { Mount = "aws", Name = "r", CredentialType = "session_token", MfaSerialNumber = "arn:aws:iam::123456789012:mfa/me" };
        AssertPartitionCheck(session, "cn-north-1", false, "arn:aws:iam::123456789012:mfa/me");
        AssertPartitionCheck(session with { MfaSerialNumber = "GAHT12345678" }, "cn-north-1", true, null);
    }

    private static void AssertPartitionCheck(Role role, string region, bool valid, string? arn)
    {
        if (valid)
        {
            RoleRules.CheckPartition(role, region, ErrorKind.InvalidArgument);
            return;
        }

        var ex = Assert.Throws<EngineException>(() => RoleRules.CheckPartition(role, region, ErrorKind.InvalidArgument));
        Assert.Equal("PartitionMismatch", ex.Reason);
        Assert.Equal(arn, ex.Target);
        Assert.Contains(Partition.ForRegion(region).Name, ex.Message);
    }
}
