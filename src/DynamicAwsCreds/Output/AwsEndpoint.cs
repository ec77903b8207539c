using DynamicAwsCreds.Engine.Config;

namespace DynamicAwsCreds;

/// <summary>An endpoint a mount calls (Get-AwsRootConfig): where, signed for which region, and where that came from.</summary>
public sealed class AwsEndpoint
{
    internal AwsEndpoint(ServiceEndpoint e)
    {
        Service = e.Service;
        Url = e.Url.ToString();
        SigningRegion = e.SigningRegion;
        Source = e.IsDefault ? "Default" : "RootConfig";
        Host = e.Host.ToString();
    }

    /// <summary>iam or sts.</summary>
    public string Service { get; }

    public string Url { get; }

    /// <summary>The region requests are signed for (SigV4 credential scope).</summary>
    public string SigningRegion { get; }

    /// <summary>Default (the partition's endpoint for the region) or RootConfig (set with Set-AwsRootConfig).</summary>
    public string Source { get; }

    /// <summary>Aws (AWS's domains), Loopback (this machine) or Custom (allowed with -AllowCustomEndpoint).</summary>
    public string Host { get; }

    public override string ToString() => $"{Url} ({SigningRegion}{(Source == "Default" ? ", default" : string.Empty)})";
}
