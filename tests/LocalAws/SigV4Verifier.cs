using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace LocalAws;

/// <summary>What the Authorization header (or a presigned query string) claims.</summary>
internal sealed record SigV4Claim(
    string AccessKeyId,
    string ScopeDate,
    string Region,
    string Service,
    string[] SignedHeaders,
    string Signature,
    string AmzDate,
    DateTime SignedAt,
    bool Presigned,
    TimeSpan? Expires,
    string? SecurityToken);

/// <summary>
/// AWS Signature Version 4 verification, written from AWS's "Create a signed AWS API request" documentation:
/// canonical request → string to sign → derived signing key → HMAC-SHA256, compared in constant time.
/// </summary>
internal static class SigV4Verifier
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    private static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    /// <summary>Returns null when the request carries no authentication at all.</summary>
    public static SigV4Claim? Parse(HttpRequest request, IReadOnlyList<KeyValuePair<string, string>> rawQuery)
    {
        var header = request.Headers.Authorization.ToString();
        string? token = request.Headers["X-Amz-Security-Token"].ToString();
        if (string.IsNullOrEmpty(header))
        {
            var q = rawQuery.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            if (!q.TryGetValue("X-Amz-Algorithm", out var alg))
            {
                return null;
            }

            if (alg != Algorithm)
            {
                throw AwsError.IncompleteSignature($"Unsupported AWS 'algorithm': '{alg}'");
            }

            var missing = new[] { "X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Date" }.Where(k => !q.ContainsKey(k)).ToList();
            if (missing.Count > 0)
            {
                throw AwsError.IncompleteSignature(string.Join(' ', missing.Select(m => $"AWS query-string parameters must include '{m}'.")) + " Re-examine the query-string parameters.");
            }

            TimeSpan? expires = null;
            if (q.TryGetValue("X-Amz-Expires", out var exp))
            {
                if (!int.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var secs) || secs > 604800)
                {
                    throw AwsError.IncompleteSignature("X-Amz-Expires must be non-negative and no greater than 604800 seconds.");
                }

                expires = TimeSpan.FromSeconds(secs);
            }

            q.TryGetValue("X-Amz-Security-Token", out var qtoken);
            return Build(q["X-Amz-Credential"], q["X-Amz-SignedHeaders"], q["X-Amz-Signature"], q["X-Amz-Date"], presigned: true, expires, qtoken);
        }

        if (!header.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            var alg = header.Split(' ', 2)[0];
            throw AwsError.IncompleteSignature($"Unsupported AWS 'algorithm': '{alg}'");
        }

        var parts = header[(Algorithm.Length + 1)..]
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var name in new[] { "Credential", "Signature", "SignedHeaders" })
        {
            if (!parts.ContainsKey(name))
            {
                problems.Add($"Authorization header requires '{name}' parameter.");
            }
        }

        string? amzDate = request.Headers["X-Amz-Date"].ToString();
        if (string.IsNullOrEmpty(amzDate))
        {
            var date = request.Headers.Date.ToString();
            if (!string.IsNullOrEmpty(date) && DateTime.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d))
            {
                amzDate = d.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            }
            else
            {
                problems.Add("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
            }
        }

        if (problems.Count > 0)
        {
            throw AwsError.IncompleteSignature(string.Join(' ', problems) + $" Authorization={header.Split(' ', 2)[0]}");
        }

        return Build(parts["Credential"], parts["SignedHeaders"], parts["Signature"], amzDate!, presigned: false, null, string.IsNullOrEmpty(token) ? null : token);
    }

    private static SigV4Claim Build(string credential, string signedHeaders, string signature, string amzDate, bool presigned, TimeSpan? expires, string? token)
    {
        var scope = credential.Split('/');
        if (scope.Length != 5)
        {
            throw AwsError.IncompleteSignature($"Credential should be scoped to a valid region. Credential={credential}");
        }

        if (scope[4] != "aws4_request")
        {
            throw AwsError.SignatureDoesNotMatch($"Credential should be scoped with a valid terminator: 'aws4_request', not '{scope[4]}'.");
        }

        if (!DateTime.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            throw AwsError.IncompleteSignature($"Date must be in ISO-8601 'basic format'. Got '{amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601");
        }

        if (scope[1] != amzDate[..8])
        {
            throw AwsError.SignatureDoesNotMatch($"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope[1]}' != '{amzDate[..8]}', from '{amzDate}'.");
        }

        return new SigV4Claim(scope[0], scope[1], scope[2], scope[3], signedHeaders.Split(';'), signature, amzDate, signedAt, presigned, expires, token);
    }

    /// <summary>Refuses a signature more than 15 minutes away from the real clock (as AWS words it).</summary>
    public static void CheckTime(SigV4Claim claim, DateTime nowUtc)
    {
        const string f = "yyyyMMdd'T'HHmmss'Z'";
        if (claim.Presigned)
        {
            var expires = claim.SignedAt + (claim.Expires ?? TimeSpan.FromMinutes(15));
            if (nowUtc > expires)
            {
                throw new AwsError(403, "AccessDenied", "Request has expired");
            }

            if (claim.SignedAt - nowUtc > MaxSkew)
            {
                throw AwsError.SignatureDoesNotMatch($"Signature not yet current: {claim.AmzDate} is still later than {(nowUtc + MaxSkew).ToString(f, CultureInfo.InvariantCulture)} ({nowUtc.ToString(f, CultureInfo.InvariantCulture)} + 15 min.)");
            }

            return;
        }

        if (nowUtc - claim.SignedAt > MaxSkew)
        {
            throw AwsError.SignatureDoesNotMatch($"Signature expired: {claim.AmzDate} is now earlier than {(nowUtc - MaxSkew).ToString(f, CultureInfo.InvariantCulture)} ({nowUtc.ToString(f, CultureInfo.InvariantCulture)} - 15 min.)");
        }

        if (claim.SignedAt - nowUtc > MaxSkew)
        {
            throw AwsError.SignatureDoesNotMatch($"Signature not yet current: {claim.AmzDate} is still later than {(nowUtc + MaxSkew).ToString(f, CultureInfo.InvariantCulture)} ({nowUtc.ToString(f, CultureInfo.InvariantCulture)} + 15 min.)");
        }
    }

    /// <summary>Recomputes the signature with the given secret; throws SignatureDoesNotMatch when it differs.</summary>
    public static void Verify(SigV4Claim claim, string secret, HttpRequest request, string rawPath, IReadOnlyList<KeyValuePair<string, string>> rawQuery, byte[] body)
    {
        if (!claim.SignedHeaders.Contains("host", StringComparer.Ordinal))
        {
            throw AwsError.SignatureDoesNotMatch("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        }

        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(body));
        var payloadHash = bodyHash;
        var declared = request.Headers["X-Amz-Content-SHA256"].ToString();
        if (!string.IsNullOrEmpty(declared))
        {
            if (!string.Equals(declared, bodyHash, StringComparison.OrdinalIgnoreCase))
            {
                throw AwsError.SignatureDoesNotMatch("The provided 'x-amz-content-sha256' header does not match what was computed.");
            }

            payloadHash = declared;
        }

        var canonical = new StringBuilder();
        canonical.Append(request.Method.ToUpperInvariant()).Append('\n');
        canonical.Append(CanonicalPath(rawPath)).Append('\n');
        canonical.Append(CanonicalQuery(rawQuery, claim.Presigned)).Append('\n');
        foreach (var name in claim.SignedHeaders)
        {
            canonical.Append(name).Append(':').Append(CanonicalHeaderValue(request, name)).Append('\n');
        }

        canonical.Append('\n');
        canonical.Append(string.Join(';', claim.SignedHeaders)).Append('\n');
        canonical.Append(payloadHash);

        var scope = $"{claim.ScopeDate}/{claim.Region}/{claim.Service}/aws4_request";
        var stringToSign = $"{Algorithm}\n{claim.AmzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";

        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), claim.ScopeDate);
        key = Hmac(key, claim.Region);
        key = Hmac(key, claim.Service);
        key = Hmac(key, "aws4_request");
        var expected = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(Hmac(key, stringToSign)));
        var given = Encoding.ASCII.GetBytes(claim.Signature.ToLowerInvariant());
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            throw AwsError.SignatureDoesNotMatch();
        }
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string CanonicalHeaderValue(HttpRequest request, string name)
    {
        var values = request.Headers[name];
        return string.Join(',', values.Select(v => CollapseSpaces((v ?? string.Empty).Trim())));
    }

    private static string CollapseSpaces(string s)
    {
        var sb = new StringBuilder(s.Length);
        var lastSpace = false;
        foreach (var c in s)
        {
            var space = c is ' ' or '\t';
            if (!space || !lastSpace)
            {
                sb.Append(space ? ' ' : c);
            }

            lastSpace = space;
        }

        return sb.ToString();
    }

    /// <summary>Normalised path (RFC 3986 dot-segment removal), each segment URI-encoded twice, as for every service but S3.</summary>
    internal static string CanonicalPath(string rawPath)
    {
        if (string.IsNullOrEmpty(rawPath) || rawPath == "/")
        {
            return "/";
        }

        var segments = new List<string>();
        var raw = rawPath.Split('/');
        foreach (var seg in raw.Skip(1))
        {
            if (seg == ".")
            {
                continue;
            }

            if (seg == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(UriEncode(UriEncode(Uri.UnescapeDataString(seg))));
        }

        var path = "/" + string.Join('/', segments);
        return path;
    }

    private static string CanonicalQuery(IReadOnlyList<KeyValuePair<string, string>> rawQuery, bool presigned) =>
        string.Join('&', rawQuery
            .Where(p => !(presigned && p.Key == "X-Amz-Signature"))
            .Select(p => (K: UriEncode(p.Key), V: UriEncode(p.Value)))
            .OrderBy(p => p.K, StringComparer.Ordinal)
            .ThenBy(p => p.V, StringComparer.Ordinal)
            .Select(p => p.K + "=" + p.V));

    /// <summary>RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - _ . ~), upper-case hex.</summary>
    internal static string UriEncode(string s)
    {
        var sb = new StringBuilder(s.Length * 2);
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }
}
