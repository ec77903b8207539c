using System.Net;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Config;

/// <summary>Who answers at an endpoint's host: AWS (its documented domains), this machine, or somebody else.</summary>
public enum EndpointHost
{
    Aws,
    Loopback,
    Custom,
}

/// <summary>
/// One endpoint a mount calls: its URL, the region its requests are signed for, and whether it is the partition's
/// default or came from the root config (<see cref="Field"/> names the setting).
/// </summary>
public sealed record ServiceEndpoint(string Service, Uri Url, string SigningRegion, bool IsDefault, string Field)
{
    public EndpointHost Host => EndpointRules.Classify(Url);

    public override string ToString() => $"{Url} ({SigningRegion}{(IsDefault ? ", default" : string.Empty)})";
}

/// <summary>
/// The endpoints a mount's root config resolves to: the partition of its region, IAM (the partition's global
/// endpoint, always signed for the partition's IAM region) and STS in the order it is tried — the STS endpoint
/// (else the regional endpoint of the STS region, else of the region), then each fallback with its region.
/// </summary>
public sealed record MountEndpoints(string Region, Partition Partition, ServiceEndpoint Iam, IReadOnlyList<ServiceEndpoint> Sts)
{
    public IEnumerable<ServiceEndpoint> All => Sts.Prepend(Iam);

    public static MountEndpoints Resolve(RootConfigRecord? config)
    {
        var region = RootConfig.ResolveRegion(config?.Region);
        var partition = Partition.ForRegion(region);
        var iam = config?.IamEndpoint is { } iamUrl
            ? new ServiceEndpoint("iam", new Uri(iamUrl), partition.IamSigningRegion, false, "IamEndpoint")
            : new ServiceEndpoint("iam", partition.IamEndpoint, partition.IamSigningRegion, true, "IamEndpoint");
        var stsRegion = config?.StsRegion ?? region;
        var sts = new List<ServiceEndpoint>
        {
            config?.StsEndpoint is { } stsUrl
                ? new ServiceEndpoint("sts", new Uri(stsUrl), stsRegion, false, "StsEndpoint")
                : new ServiceEndpoint("sts", partition.StsEndpoint(stsRegion), stsRegion, true, "StsEndpoint"),
        };
        var fallbackEndpoints = config?.StsFallbackEndpoints ?? [];
        var fallbackRegions = config?.StsFallbackRegions ?? [];
        for (var i = 0; i < fallbackEndpoints.Count && i < fallbackRegions.Count; i++)
        {
            sts.Add(new ServiceEndpoint("sts", new Uri(fallbackEndpoints[i]), fallbackRegions[i], false, "StsFallbackEndpoint"));
        }

        return new MountEndpoints(region, partition, iam, sts);
    }
}

/// <summary>
/// Where requests signed with the root key may go: https to any host, http only to this machine (127.0.0.0/8,
/// ::1, localhost), and a host outside AWS's domains only once the user said so (-AllowCustomEndpoint).
/// </summary>
public static class EndpointRules
{
    /// <summary>
    /// The domains AWS documents for IAM and STS: the classic endpoints (amazonaws.com, amazonaws.com.cn, including
    /// VPC endpoints under them) and the dual-stack ones (iam.global.api.aws, sts.&lt;region&gt;.api.aws,
    /// and their China equivalents under api.amazonwebservices.com.cn).
    /// </summary>
    public static readonly IReadOnlyList<string> AwsDomains = ["amazonaws.com", "amazonaws.com.cn", "api.aws", "api.amazonwebservices.com.cn"];

    public static EndpointHost Classify(Uri url)
    {
        var host = url.DnsSafeHost.TrimEnd('.').ToLowerInvariant();
        if (host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip)))
        {
            return EndpointHost.Loopback;
        }

        return AwsDomains.Any(d => host == d || host.EndsWith("." + d, StringComparison.Ordinal)) ? EndpointHost.Aws : EndpointHost.Custom;
    }

    /// <summary>
    /// Refuses (<c>InsecureEndpoint</c>) plain http to another machine, and a custom host unless
    /// <paramref name="consented"/> says the user allowed it. <paramref name="stored"/>: the endpoints come from
    /// the store as they are about to be used, not from input being set.
    /// </summary>
    public static void Check(MountEndpoints endpoints, Func<ServiceEndpoint, bool> consented, string mount, bool stored)
    {
        foreach (var e in endpoints.All)
        {
            var host = e.Url.DnsSafeHost;
            var kind = e.Host;
            if (e.Url.Scheme != Uri.UriSchemeHttps && kind != EndpointHost.Loopback)
            {
                throw new EngineException("InsecureEndpoint", stored ? ErrorKind.InvalidData : ErrorKind.InvalidArgument, e.Url.ToString(), stored
                    ? $"The root config of '{mount}' sends {e.Field} requests over plain http to '{host}', another machine (it was stored by an older version of the module), so it is not used: requests signed with the root key and the keys AWS returns would cross the network unencrypted. Run Set-AwsRootConfig{PathArgument(mount)} -{e.Field} with an https URL, or '' for AWS's default."
                    : $"'{e.Url}' ({e.Field}) is plain http to '{host}', which is not this machine: requests signed with the root key and the keys AWS returns would cross the network unencrypted. Use an https URL (http is only for 127.0.0.0/8, ::1 and localhost).");
            }

            if (kind == EndpointHost.Custom && !consented(e))
            {
                throw new EngineException("InsecureEndpoint", stored ? ErrorKind.InvalidData : ErrorKind.InvalidArgument, e.Url.ToString(), stored
                    ? $"The root config of '{mount}' sends {e.Field} requests to '{host}', outside AWS's domains, and it was stored without -AllowCustomEndpoint (by an older version of the module), so it is not used. If you trust that host with requests signed with the root key, run Set-AwsRootConfig{PathArgument(mount)} -{e.Field} '{e.Url}' -AllowCustomEndpoint; otherwise reset it with -{e.Field} ''."
                    : $"'{host}' ({e.Field}) is not an AWS endpoint ({string.Join(", ", AwsDomains)}): every request sent there is signed with the root key. If you trust that host, add -AllowCustomEndpoint.");
            }
        }
    }

    private static string PathArgument(string mount) => mount == Mount.DefaultPath ? string.Empty : $" -Path {mount}";
}
