using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Config;

/// <summary>What Set-AwsRootConfig was given; null means "keep what is stored".</summary>
public sealed record RootConfigInput
{
    public string? AccessKey { get; init; }
    public string? SecretKey { get; init; }
    public string? Region { get; init; }
    public string? IamEndpoint { get; init; }
    public string? StsEndpoint { get; init; }
    public int? MaxRetries { get; init; }
    public string? UsernameTemplate { get; init; }

    /// <summary>Vault's sts_region: the region STS calls are signed for (and whose endpoint is the default); "" restores the region.</summary>
    public string? StsRegion { get; init; }

    /// <summary>Vault's sts_fallback_endpoints, tried in order when the one before is unreachable; empty clears them.</summary>
    public IReadOnlyList<string>? StsFallbackEndpoints { get; init; }

    /// <summary>Vault's sts_fallback_regions: one per fallback endpoint, the region it is signed for.</summary>
    public IReadOnlyList<string>? StsFallbackRegions { get; init; }

    /// <summary>The user accepts endpoints given now on hosts outside AWS's domains.</summary>
    public bool AllowCustomEndpoint { get; init; }

    /// <summary>Forget the stored keys and use the AWS SDK's default chain.</summary>
    public bool ClearKeys { get; init; }

    /// <summary>The AWS KMS key (key id, key ARN, alias/name or alias ARN) that seals the mount's secrets from now on.</summary>
    public string? KmsKeyId { get; init; }

    public override string ToString() => $"RootConfigInput {{ AccessKey = {AccessKey}, Region = {Region} }}";
}

/// <summary>The root config as shown to users: never the secret.</summary>
public sealed record RootConfigInfo(
    string Path,
    string? AccessKey,
    bool HasSecretKey,
    string CredentialSource,
    string Region,
    string? IamEndpoint,
    string? StsEndpoint,
    int MaxRetries,
    string? UsernameTemplate)
{
    public string? StsRegion { get; init; }
    public IReadOnlyList<string> StsFallbackEndpoints { get; init; } = [];
    public IReadOnlyList<string> StsFallbackRegions { get; init; } = [];

    /// <summary>The partition of the effective region, and the endpoints calls go to, defaults included.</summary>
    public required MountEndpoints Endpoints { get; init; }

    /// <summary>Why the stored endpoints would be refused when used (written by an older version), else null.</summary>
    public string? EndpointProblem { get; init; }

    /// <summary>The AWS KMS key the mount's secrets are sealed with, as it was given; null when none is named.</summary>
    public string? KmsKeyId { get; init; }
}

public static class RootConfig
{
    public const int DefaultMaxRetries = 3;

    /// <summary>
    /// Set-AwsRootConfig's STS settings and endpoint rules on top of <paramref name="record"/> (already merged from the
    /// input and <paramref name="existing"/>): Vault's sts_region and fallback lists (of equal length, as Vault requires),
    /// every STS region in the partition of the mount's region, and every endpoint safe (<see cref="EndpointRules"/>):
    /// a custom host given now needs -AllowCustomEndpoint; one stored before keeps the consent it was stored with.
    /// </summary>
    public static RootConfigRecord ApplyEndpointSettings(RootConfigRecord record, RootConfigRecord? existing, RootConfigInput input)
    {
        var stsRegion = ValidateRegion(input.StsRegion, "StsRegion");
        var fallbackEndpoints = input.StsFallbackEndpoints is null ? null : SplitList(input.StsFallbackEndpoints).Select(e => ValidateEndpoint(e, "StsFallbackEndpoint")!).ToArray();
        var fallbackRegions = input.StsFallbackRegions is null ? null : SplitList(input.StsFallbackRegions).Select(r => ValidateRegion(r, "StsFallbackRegion")!).ToArray();
        var result = record with
        {
            StsRegion = stsRegion is null ? existing?.StsRegion : stsRegion.Length == 0 ? null : stsRegion,
            StsFallbackEndpoints = fallbackEndpoints ?? existing?.StsFallbackEndpoints ?? [],
            StsFallbackRegions = fallbackRegions ?? existing?.StsFallbackRegions ?? [],
            EndpointsVetted = true,
        };

        if (result.StsFallbackEndpoints.Count != result.StsFallbackRegions.Count)
        {
            throw new EngineException("InvalidStsFallback", ErrorKind.InvalidArgument, string.Join(",", fallbackRegions ?? fallbackEndpoints ?? []),
                $"There are {result.StsFallbackEndpoints.Count} STS fallback endpoint(s) but {result.StsFallbackRegions.Count} fallback region(s); give one region per endpoint, in the same order (-StsFallbackEndpoint and -StsFallbackRegion together).");
        }

        var endpoints = MountEndpoints.Resolve(result);
        foreach (var sts in endpoints.Sts)
        {
            if (Partition.ForRegion(sts.SigningRegion) != endpoints.Partition)
            {
                throw new EngineException("PartitionMismatch", ErrorKind.InvalidArgument, sts.SigningRegion,
                    $"STS region '{sts.SigningRegion}' is in partition {Partition.ForRegion(sts.SigningRegion)}, but the mount's region {endpoints.Region} is in {endpoints.Partition}; credentials never work across partitions. Use regions of one partition, or change -Region too.");
            }
        }

        EndpointRules.Check(endpoints, e => input.AllowCustomEndpoint || (!IsGiven(e, input) && existing?.EndpointsVetted == true), record.Mount, stored: false);
        return result;
    }

    private static bool IsGiven(ServiceEndpoint endpoint, RootConfigInput input) => endpoint.Field switch
    {
        "IamEndpoint" => !string.IsNullOrEmpty(input.IamEndpoint),
        "StsEndpoint" => !string.IsNullOrEmpty(input.StsEndpoint),
        _ => input.StsFallbackEndpoints is not null,
    };

    /// <summary>As Vault's comma-separated lists: "a,b" and ["a", "b"] are the same; blanks are dropped, so "" clears.</summary>
    private static IEnumerable<string> SplitList(IEnumerable<string> values) =>
        values.SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Region: the parameter, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.</summary>
    public static string ResolveRegion(string? configured)
    {
        foreach (var candidate in new[] { configured, Environment.GetEnvironmentVariable("AWS_REGION"), Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") })
        {
            if (!string.IsNullOrWhiteSpace(candidate))
            {
                return candidate.Trim();
            }
        }

        return "us-east-1";
    }

    public static string? ValidateEndpoint(string? endpoint, string field)
    {
        if (endpoint is null)
        {
            return null;
        }

        if (endpoint.Length == 0)
        {
            return string.Empty;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new EngineException("InvalidEndpoint", ErrorKind.InvalidArgument, endpoint,
                $"'{endpoint}' is not a valid {field}. Give an http or https URL such as https://iam.amazonaws.com or http://127.0.0.1:4599.");
        }

        return uri.GetLeftPart(UriPartial.Path);
    }

    /// <summary>Shaped like an AWS region name: us-east-1, us-gov-west-1, cn-north-1.</summary>
    public static bool IsRegionName(string region) =>
        System.Text.RegularExpressions.Regex.IsMatch(region, "^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}\\z");

    public static string? ValidateRegion(string? region, string field = "Region")
    {
        if (region is null)
        {
            return null;
        }

        if (region.Length > 0 && !IsRegionName(region))
        {
            throw new EngineException("InvalidRegion", ErrorKind.InvalidArgument, region,
                $"'{region}' is not an AWS region name ({field}; for example us-east-1, us-gov-west-1 or cn-north-1).");
        }

        return region;
    }

    public static void ValidateKeys(string? accessKey, string? secretKey)
    {
        if ((accessKey is null) != (secretKey is null))
        {
            throw new EngineException("IncompleteRootCredentials", ErrorKind.InvalidArgument, accessKey is null ? "AccessKey" : "SecretKey",
                "Give both -AccessKey and -SecretKey (or -Credential), or neither to use the AWS SDK's default credential chain.");
        }

        if (accessKey is not null && (accessKey.Length is < 16 or > 128 || !accessKey.All(char.IsAsciiLetterOrDigit)))
        {
            throw new EngineException("InvalidAccessKey", ErrorKind.InvalidArgument, accessKey,
                $"'{accessKey}' is not an AWS access key id (16–128 letters and digits, such as AKIAIOSFODNN7EXAMPLE).");
        }

        if (secretKey is not null && (secretKey.Length is < 16 or > 128 || secretKey.Any(char.IsWhiteSpace)))
        {
            throw new EngineException("InvalidSecretKey", ErrorKind.InvalidArgument, "SecretKey",
                "The secret key is not a valid AWS secret access key (16–128 characters, no white space).");
        }
    }

    /// <summary>A KMS key as KMS's KeyId takes it: a key id, a key ARN, alias/name or an alias ARN (1–2048 characters).</summary>
    public static string? ValidateKmsKeyId(string? keyId)
    {
        if (keyId is null)
        {
            return null;
        }

        var name = System.Text.RegularExpressions.Regex.Match(keyId, "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(?<name>.+)\\z") is { Success: true } arn ? arn.Groups["name"].Value : keyId;
        var valid = keyId.Length <= 2048 && (name.StartsWith("alias/", StringComparison.Ordinal)
            ? System.Text.RegularExpressions.Regex.IsMatch(name, "^alias/[a-zA-Z0-9:/_-]+\\z")
            : System.Text.RegularExpressions.Regex.IsMatch(name, (name == keyId ? "^" : "^key/") + "[a-zA-Z0-9-]{1,128}\\z"));
        if (!valid)
        {
            throw new EngineException("InvalidKmsKeyId", ErrorKind.InvalidArgument, keyId,
                $"'{keyId}' does not name an AWS KMS key. Give a key id (1234abcd-12ab-34cd-56ef-1234567890ab), a key ARN (arn:aws:kms:us-east-1:111122223333:key/…), an alias (alias/dynamicawscreds) or an alias ARN.");
        }

        return keyId;
    }

    public static void ValidateMaxRetries(int? maxRetries)
    {
        if (maxRetries is < -1 or > 20)
        {
            throw new EngineException("InvalidMaxRetries", ErrorKind.InvalidArgument, maxRetries,
                $"MaxRetries must be between 0 and 20 (or -1 for the default of {DefaultMaxRetries}); it was {maxRetries}.");
        }
    }
}
