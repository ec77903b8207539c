using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime.Internal.Auth;

namespace DynamicAwsCreds.Engine.Aws;

/// <summary>
/// The canonical request of AWS Signature Version 4; the signature itself comes from AWSSDK.Core's signer.
/// </summary>
internal static class SigV4
{
    public const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>AWS's UriEncode: RFC 3986 unreserved characters kept, all else UTF-8 bytes as upper-case %XX.</summary>
    public static string UriEncode(string value, bool encodeSlash = true)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.' or '~'
                || (c == '/' && !encodeSlash))
                builder.Append(c);
            else
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();

    /// <summary>The Host header as HttpClient would send it: the port only when it is not the scheme's default.</summary>
    public static string HostHeader(Uri endpoint) => endpoint.Authority;

    /// <summary>
    /// Services other than S3 expect each path segment encoded once more on top of the URL's own encoding.
    /// </summary>
    public static string CanonicalUri(Uri endpoint)
    {
        var path = endpoint.AbsolutePath;
        return string.IsNullOrEmpty(path) ? "/" : UriEncode(path, encodeSlash: false);
    }

    public static (string CanonicalRequest, string SignedHeaders) CanonicalRequest(
        string method,
        string canonicalUri,
        IEnumerable<KeyValuePair<string, string>> query,
        IEnumerable<KeyValuePair<string, string>> headers,
        string payloadHash)
    {
        var canonicalQuery = string.Join('&', query
            .Select(p => (Key: UriEncode(p.Key), Value: UriEncode(p.Value)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));

        var canonicalHeaders = headers
            .GroupBy(h => h.Key.Trim().ToLowerInvariant())
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: string.Join(',', g.Select(h => CollapseSpaces(h.Value)))))
            .ToList();

        var signedHeaders = string.Join(';', canonicalHeaders.Select(h => h.Name));
        var builder = new StringBuilder()
            .Append(method).Append('\n')
            .Append(canonicalUri).Append('\n')
            .Append(canonicalQuery).Append('\n');
        foreach (var (name, value) in canonicalHeaders)
            builder.Append(name).Append(':').Append(value).Append('\n');
        builder.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        return (builder.ToString(), signedHeaders);
    }

    /// <summary>The Authorization header value for a canonical request.</summary>
    public static string Authorization(
        AwsCredentials credentials, string region, string service, DateTime signedAtUtc, string signedHeaders, string canonicalRequest) =>
        AWS4Signer.ComputeSignature(credentials.AccessKeyId, credentials.SecretAccessKey, region, signedAtUtc, service,
            signedHeaders, canonicalRequest).ForAuthorizationHeader;

    private static string CollapseSpaces(string value)
    {
        var builder = new StringBuilder(value.Length);
        var lastWasSpace = false;
        foreach (var c in value.Trim())
        {
            var isSpace = c is ' ' or '\t';
            if (!(isSpace && lastWasSpace))
                builder.Append(isSpace ? ' ' : c);
            lastWasSpace = isSpace;
        }
        return builder.ToString();
    }
}
