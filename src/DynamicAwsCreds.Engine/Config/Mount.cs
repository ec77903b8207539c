using System.Text.RegularExpressions;

namespace DynamicAwsCreds.Engine.Config;

/// <summary>A secrets engine enabled at a path, as the cmdlets show it.</summary>
public sealed record MountInfo(
    string Path,
    string Type,
    string? Description,
    TimeSpan? DefaultLeaseTtl,
    TimeSpan? MaxLeaseTtl,
    long LeaseCount,
    DateTimeOffset CreatedAt,
    string StorePath,
    string StoreId)
{
    /// <summary>The kind of store <see cref="StorePath"/> names: SQLite or DynamoDB.</summary>
    public string StoreKind { get; init; } = "SQLite";
}

public static partial class Mount
{
    public const string DefaultPath = "aws";
    public static readonly string[] SupportedTypes = ["aws"];

    // Path segments as Vault allows them, without the characters lease ids and prefixes rely on.
    [GeneratedRegex(@"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex PathPattern();

    /// <summary>Normalises a mount path as Vault does ("aws/" → "aws") and rejects anything unsafe.</summary>
    public static string NormalizePath(string? path)
    {
        var p = (path ?? string.Empty).Trim().Trim('/');
        if (p.Length == 0 || p.Length > 128 || !PathPattern().IsMatch(p) || p.Split('/').Any(s => s is "." or ".." or "creds"))
        {
            throw new EngineException("InvalidMountPath", ErrorKind.InvalidArgument, path,
                $"'{path}' is not a valid secrets engine path. Use letters, digits, '_', '-', '.' and '/' between segments (for example 'aws' or 'team/aws'); 'creds', '.' and '..' are not allowed as segments.");
        }

        return p;
    }

    public static string NormalizeType(string? type)
    {
        var t = (type ?? string.Empty).Trim().ToLowerInvariant();
        if (!SupportedTypes.Contains(t))
        {
            throw new EngineException("UnsupportedEngineType", ErrorKind.InvalidArgument, type,
                $"'{type}' is not a secrets engine type this module provides. The supported type is 'aws'.");
        }

        return t;
    }
}
