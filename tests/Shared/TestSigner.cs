using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime.Internal.Auth;

namespace DynamicAwsCreds.Tests.Shared;

/// <summary>An answer from LocalAws: status, parsed XML and, for errors, the AWS error code.</summary>
internal sealed record AwsAnswer(HttpStatusCode Status, XDocument Xml, string Body)
{
    public string? ErrorCode => Xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;

    public string? ErrorType => Xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Type")?.Value;

    public string? ErrorMessage => Xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value;

    /// <summary>Text of the first element with this local name, anywhere in the answer.</summary>
    public string? Value(string localName) => Xml.Descendants().FirstOrDefault(e => e.Name.LocalName == localName)?.Value;

    public IEnumerable<string> Values(string localName) => Xml.Descendants().Where(e => e.Name.LocalName == localName).Select(e => e.Value);
}

/// <summary>
/// A tiny Query-protocol client for the tests. The canonical request is built here by hand and signed
/// with AWSSDK.Core's <see cref="AWS4Signer"/>, so it is independent of LocalAws's own verifier.
/// </summary>
internal sealed class TestSigner(Uri endpoint, string accessKeyId, string secretAccessKey, string? sessionToken = null)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public string AccessKeyId { get; } = accessKeyId;

    /// <summary>The session token sent (and signed) as X-Amz-Security-Token, or null for a long-term key.</summary>
    public string? SessionToken { get; } = sessionToken;

    public TestSigner WithKey(string id, string secret) => new(endpoint, id, secret);

    /// <summary>A client signing with temporary credentials; a null token sends none.</summary>
    public TestSigner WithSession(string id, string secret, string? token) => new(endpoint, id, secret, token);

    /// <summary>A client signing with the Credentials of an STS answer (AssumeRole, GetFederationToken, GetSessionToken).</summary>
    public TestSigner WithCredentials(AwsAnswer sts) =>
        new(endpoint, sts.Value("AccessKeyId")!, sts.Value("SecretAccessKey")!, sts.Value("SessionToken")!);

    public Task<AwsAnswer> IamAsync(string action, params (string Key, string Value)[] parameters) =>
        CallAsync("iam", "2010-05-08", action, parameters);

    public Task<AwsAnswer> StsAsync(string action, params (string Key, string Value)[] parameters) =>
        CallAsync("sts", "2011-06-15", action, parameters);

    public async Task<AwsAnswer> CallAsync(string service, string version, string action, (string Key, string Value)[] parameters, DateTime? signedAt = null, bool sign = true)
    {
        var form = new List<(string, string)> { ("Action", action), ("Version", version) };
        form.AddRange(parameters);
        var body = string.Join('&', form.Select(p => Encode(p.Item1) + "=" + Encode(p.Item2)));
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(bodyBytes));
        var when = signedAt ?? DateTime.UtcNow;
        var amzDate = when.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        const string contentType = "application/x-www-form-urlencoded; charset=utf-8";
        var host = $"{endpoint.Host}:{endpoint.Port}";

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        request.Content = new ByteArrayContent(bodyBytes);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("X-Amz-Content-SHA256", bodyHash);
        if (SessionToken is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", SessionToken);
        }

        if (sign)
        {
            var signedHeaders = "content-type;host;x-amz-content-sha256;x-amz-date" + (SessionToken is null ? string.Empty : ";x-amz-security-token");
            var lines = new List<string>
            {
                "POST",
                "/",
                string.Empty,
                "content-type:" + contentType,
                "host:" + host,
                "x-amz-content-sha256:" + bodyHash,
                "x-amz-date:" + amzDate,
            };
            if (SessionToken is not null)
            {
                lines.Add("x-amz-security-token:" + SessionToken);
            }

            lines.AddRange([string.Empty, signedHeaders, bodyHash]);
            var canonical = string.Join('\n', lines);
            var result = AWS4Signer.ComputeSignature(AccessKeyId, secretAccessKey, "us-east-1", when, service, signedHeaders, canonical);
            request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
        }

        using var response = await Http.SendAsync(request).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        return new AwsAnswer(response.StatusCode, XDocument.Parse(text), text);
    }

    private static string Encode(string s) => Uri.EscapeDataString(s);
}
