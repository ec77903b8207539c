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

    /// <summary>Forget the stored keys and use the AWS SDK's default chain.</summary>
    public bool ClearKeys { get; init; }

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
    string? UsernameTemplate);

public static class RootConfig
{
    public const int DefaultMaxRetries = 3;

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

    public static string? ValidateRegion(string? region)
    {
        if (region is null)
        {
            return null;
        }

        if (region.Length > 0 && !System.Text.RegularExpressions.Regex.IsMatch(region, "^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}\\z"))
        {
            throw new EngineException("InvalidRegion", ErrorKind.InvalidArgument, region,
                $"'{region}' is not an AWS region name (for example us-east-1 or eu-west-2).");
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

    public static void ValidateMaxRetries(int? maxRetries)
    {
        if (maxRetries is < -1 or > 20)
        {
            throw new EngineException("InvalidMaxRetries", ErrorKind.InvalidArgument, maxRetries,
                $"MaxRetries must be between 0 and 20 (or -1 for the default of {DefaultMaxRetries}); it was {maxRetries}.");
        }
    }
}
