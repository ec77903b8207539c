namespace DynamicAwsCreds.Engine.Config;

/// <summary>
/// An AWS partition: where its global IAM endpoint is, which region IAM is signed for, and the domain of its
/// regional STS endpoints. Credentials, ARNs and endpoints never cross partitions.
/// </summary>
public sealed record Partition(string Name, string DnsSuffix, Uri IamEndpoint, string IamSigningRegion)
{
    public static readonly Partition Aws = new("aws", "amazonaws.com", new Uri("https://iam.amazonaws.com/"), "us-east-1");

    public static readonly Partition AwsUsGov = new("aws-us-gov", "amazonaws.com", new Uri("https://iam.us-gov.amazonaws.com/"), "us-gov-west-1");

    public static readonly Partition AwsCn = new("aws-cn", "amazonaws.com.cn", new Uri("https://iam.cn-north-1.amazonaws.com.cn/"), "cn-north-1");

    /// <summary>The region decides the partition: us-gov-* is aws-us-gov, cn-* is aws-cn, any other region aws.</summary>
    public static Partition ForRegion(string region) =>
        region.StartsWith("us-gov-", StringComparison.Ordinal) ? AwsUsGov
        : region.StartsWith("cn-", StringComparison.Ordinal) ? AwsCn
        : Aws;

    /// <summary>The region's STS endpoint (AWS recommends regional endpoints; other partitions have no global one).</summary>
    public Uri StsEndpoint(string region) => new($"https://sts.{region}.{DnsSuffix}/");

    /// <summary>True for an ARN of this partition (<c>arn:aws-cn:…</c> in aws-cn, and so on).</summary>
    public bool Owns(string arn) => arn.StartsWith("arn:" + Name + ":", StringComparison.Ordinal);

    public override string ToString() => Name;
}
