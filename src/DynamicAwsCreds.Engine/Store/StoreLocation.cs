using System.Text.RegularExpressions;

namespace DynamicAwsCreds.Engine.Store;

/// <summary>
/// Where a store lives, as DYNAMICAWSCREDS_STORE names it: a file path (the per-user SQLite store) or
/// <c>dynamodb://&lt;table&gt;?region=&lt;region&gt;[&amp;endpoint=&lt;url&gt;]</c> (the shared DynamoDB store).
/// </summary>
public abstract partial record StoreLocation
{
    public const string EnvironmentVariable = "DYNAMICAWSCREDS_STORE";

    /// <summary>How a user would write it (shown by Get-SecretsEngine); never holds a secret.</summary>
    public abstract string Display { get; }

    /// <summary>True for a store many hosts share (root keys only sealed with KMS; intents recovered by deadline).</summary>
    public abstract bool Shared { get; }

    /// <summary>The kind of store, as Get-SecretsEngine names it: SQLite or DynamoDB.</summary>
    public abstract string Kind { get; }

    /// <summary>The location DYNAMICAWSCREDS_STORE names now (<see cref="Parse"/> of its value).</summary>
    public static StoreLocation FromEnvironment() => Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>
    /// Reads a DYNAMICAWSCREDS_STORE value: empty is the OS user's SQLite store
    /// (<see cref="StoreFiles.PerUserStorePath"/>); <c>dynamodb://…</c> a DynamoDB table; any other <c>scheme://</c> is
    /// refused; anything else is a file path, made full. Anything malformed is DynamicAwsCreds.InvalidStoreLocation,
    /// whose message names <paramref name="setting"/> (the variable, or a parameter that takes the same forms).
    /// </summary>
    public static StoreLocation Parse(string? value, string setting = EnvironmentVariable)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return new SqliteStoreLocation(Path.GetFullPath(StoreFiles.PerUserStorePath()));
        }

        var given = new Setting(setting, value);
        var scheme = SchemePattern().Match(value);
        if (!scheme.Success)
        {
            return ParseFilePath(given);
        }

        if (!scheme.Groups[1].Value.Equals(DynamoDbStoreLocation.Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw given.Invalid($"'{scheme.Groups[1].Value}://' is not a store this module knows");
        }

        return DynamoDbStoreLocation.ParseUri(given, value[scheme.Length..]);
    }

    private static SqliteStoreLocation ParseFilePath(Setting given)
    {
        var value = given.Value;
        try
        {
            var full = Path.GetFullPath(value);
            if (Path.EndsInDirectorySeparator(full))
            {
                throw given.Invalid("it names a folder, not a file");
            }

            return new SqliteStoreLocation(full);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw given.Invalid("it is not a usable file path", ex);
        }
    }

    /// <summary>A value given for a store location, and where it was given (the variable or a parameter).</summary>
    internal readonly record struct Setting(string Name, string Value)
    {
        public EngineException Invalid(string why, Exception? inner = null) => StoreLocation.Invalid(Value, why, inner, Name);
    }

    /// <summary>DynamicAwsCreds.InvalidStoreLocation for <paramref name="value"/>, naming the setting and the forms it takes; any user-info part is masked.</summary>
    internal static EngineException Invalid(string value, string why, Exception? inner = null, string setting = EnvironmentVariable)
    {
        var shown = Masked(value);
        return new EngineException("InvalidStoreLocation", ErrorKind.InvalidArgument, shown,
            $"{setting} '{shown}' cannot be used: {Masked(why)}. Give a file path (a SQLite store) or "
            + $"{DynamoDbStoreLocation.Scheme}://<table>?region=<region>[&endpoint=<url>][&kmsEndpoint=<url>] (a DynamoDB table "
            + "of 3-255 letters, digits, '_', '-' and '.'). Nothing was opened or changed.", inner);
    }

    // A user-info part ("user:password@") may hold a secret: it is never shown.
    private static string Masked(string value) => UserInfoPattern().Replace(value, "$1***@");

    // Two or more characters, so a Windows drive ("C://x") stays a path.
    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9+.\-]+)://", RegexOptions.CultureInvariant)]
    private static partial Regex SchemePattern();

    [GeneratedRegex(@"(://)[^/?#@]*@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfoPattern();
}

/// <summary>The per-user SQLite store at a full file path.</summary>
public sealed record SqliteStoreLocation(string Path) : StoreLocation
{
    public override string Display => Path;

    public override bool Shared => false;

    public override string Kind => "SQLite";
}

/// <summary>
/// A shared store in a DynamoDB table. <paramref name="Endpoint"/> overrides the regional DynamoDB endpoint (a local
/// DynamoDB, a VPC endpoint); <paramref name="KmsEndpoint"/> the regional KMS endpoint used to seal root keys.
/// </summary>
public sealed partial record DynamoDbStoreLocation(string Table, string Region, Uri? Endpoint = null, Uri? KmsEndpoint = null) : StoreLocation
{
    public const string Scheme = "dynamodb";

    public override string Display =>
        $"{Scheme}://{Table}?region={Region}"
        + (Endpoint is null ? "" : $"&endpoint={Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/')}")
        + (KmsEndpoint is null ? "" : $"&kmsEndpoint={KmsEndpoint.GetLeftPart(UriPartial.Path).TrimEnd('/')}");

    public override bool Shared => true;

    public override string Kind => "DynamoDB";

    /// <summary>Reads what follows "dynamodb://" in <paramref name="value"/>; the table name keeps its case.</summary>
    internal static DynamoDbStoreLocation ParseUri(Setting given, string rest)
    {
        if (rest.Contains('#'))
        {
            throw given.Invalid("a fragment ('#…') has no meaning here");
        }

        var question = rest.IndexOf('?');
        var table = question < 0 ? rest : rest[..question];
        if (table.Contains('@'))
        {
            throw given.Invalid("it has a user-info part ('…@'); the store's AWS credentials come from the SDK's default chain");
        }

        if (table.Contains('/'))
        {
            throw given.Invalid("a path after the table name has no meaning here");
        }

        if (!TablePattern().IsMatch(table))
        {
            throw given.Invalid($"'{table}' is not a DynamoDB table name");
        }

        var query = ReadQuery(given, question < 0 ? "" : rest[(question + 1)..]);
        if (!query.TryGetValue("region", out var region))
        {
            throw given.Invalid("the region is missing (add ?region=<region>, for example ?region=us-east-1)");
        }

        if (!Config.RootConfig.IsRegionName(region))
        {
            throw given.Invalid($"'{region}' is not an AWS region name (for example us-east-1)");
        }

        return new DynamoDbStoreLocation(table, region,
            query.TryGetValue("endpoint", out var endpoint) ? ReadEndpoint(given, "endpoint", endpoint) : null,
            query.TryGetValue("kmsEndpoint", out var kms) ? ReadEndpoint(given, "kmsEndpoint", kms) : null);
    }

    private static readonly string[] QueryKeys = ["region", "endpoint", "kmsEndpoint"];

    private static Dictionary<string, string> ReadQuery(Setting given, string query)
    {
        var found = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (query.Length == 0)
        {
            return found;
        }

        foreach (var pair in query.Split('&'))
        {
            var equals = pair.IndexOf('=');
            var key = equals < 0 ? pair : pair[..equals];
            var known = QueryKeys.FirstOrDefault(k => k.Equals(key, StringComparison.OrdinalIgnoreCase))
                ?? throw given.Invalid(key.Length == 0
                    ? "it has an empty query part"
                    : $"'{key}' is not a setting it takes (only {string.Join(", ", QueryKeys)})");
            var setting = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (setting.Length == 0)
            {
                throw given.Invalid($"'{known}' has no value");
            }

            if (!found.TryAdd(known, setting))
            {
                throw given.Invalid($"'{known}' is given twice");
            }
        }

        return found;
    }

    private static Uri ReadEndpoint(Setting given, string key, string endpoint)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            throw given.Invalid($"the {key} '{endpoint}' is not an absolute http or https URL (for example http://127.0.0.1:8000)");
        }

        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw given.Invalid($"the {key} must be a plain http or https URL, without user info, query or fragment");
        }

        return uri;
    }

    // DynamoDB's table name rule: 3 to 255 of a-z, A-Z, 0-9, '_', '-', '.'.
    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{3,255}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TablePattern();
}
