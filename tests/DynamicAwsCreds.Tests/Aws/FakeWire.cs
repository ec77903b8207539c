using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using DynamicAwsCreds.Engine.Aws;

namespace DynamicAwsCreds.Tests.Aws;

/// <summary>A request as the handler (or the wire) saw it.</summary>
internal sealed record SeenRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public IReadOnlyList<KeyValuePair<string, string>> Form { get; } = Body.Length == 0
        ? []
        : Body.Split('&').Select(p => p.Split('=', 2))
            .Select(kv => new KeyValuePair<string, string>(Uri.UnescapeDataString(kv[0]), Uri.UnescapeDataString(kv[1])))
            .ToList();

    public string? this[string formName] => Form.FirstOrDefault(kv => kv.Key == formName).Value;

    public string Action => this["Action"]!;
}

/// <summary>An HttpMessageHandler answering from a script, recording every request.</summary>
internal sealed class FakeHandler(Func<SeenRequest, int, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
{
    private int _count;

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    public int Count => Volatile.Read(ref _count);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers.NonValidated)
            headers[name] = string.Join(",", values);
        if (request.Content is not null)
            foreach (var (name, values) in request.Content.Headers.NonValidated)
                headers[name] = string.Join(",", values);
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var seen = new SeenRequest(request.Method.Method, request.RequestUri!.AbsolutePath, headers, body);
        Requests.Enqueue(seen);
        return await respond(seen, Interlocked.Increment(ref _count), cancellationToken);
    }
}

/// <summary>The wire below the Query client: its options, canned XML answers and an independent signature check.</summary>
internal static class FakeWire
{
    public static readonly Uri Endpoint = new("http://127.0.0.1:4599/");
    public static readonly AwsCredentials Root = new("AKIAROOTEXAMPLE", "rootSECRETdoNotLeak/abc+def", "sessionTOKENdoNotLeak");
    public const string IamNs = "https://iam.amazonaws.com/doc/2010-05-08/";

    public static AwsClientOptions Options(Uri? endpoint = null, int maxRetries = 3, TimeSpan? timeout = null,
        Action<AwsCallRecord>? onCall = null, string service = "iam") => new()
    {
        Endpoint = endpoint ?? Endpoint,
        Region = "us-east-1",
        Service = service,
        Version = service == "iam" ? "2010-05-08" : "2011-06-15",
        MaxRetries = maxRetries,
        BaseDelay = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(5),
        Timeout = timeout ?? TimeSpan.FromSeconds(10),
        OnCall = onCall,
    };

    public static QueryClient Client(HttpMessageHandler handler, AwsClientOptions options, AwsCredentials? credentials = null) =>
        new(new HttpClient(handler), options, _ => ValueTask.FromResult(credentials ?? Root));

    public static HttpResponseMessage Xml(HttpStatusCode status, string xml) =>
        new(status) { Content = new StringContent(xml, Encoding.UTF8, "text/xml") };

    public static Task<HttpResponseMessage> Ok(string action, string resultInner) =>
        Task.FromResult(Xml(HttpStatusCode.OK,
            $"<{action}Response xmlns=\"{IamNs}\"><{action}Result>{resultInner}</{action}Result>"
            + $"<ResponseMetadata><RequestId>req-ok</RequestId></ResponseMetadata></{action}Response>"));

    public static Task<HttpResponseMessage> Error(HttpStatusCode status, string code, string message, string type = "Sender") =>
        Task.FromResult(Xml(status,
            $"<ErrorResponse xmlns=\"{IamNs}\"><Error><Type>{type}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            + "<RequestId>req-err</RequestId></ErrorResponse>"));

    public static string UserXml(string name, string path = "/") =>
        $"<UserName>{name}</UserName><UserId>AIDA{name.ToUpperInvariant()}</UserId><Path>{path}</Path>"
        + $"<Arn>arn:aws:iam::123456789012:user{path}{name}</Arn><CreateDate>2024-05-06T07:08:09Z</CreateDate>";

    /// <summary>Checks the request's signature from what was actually sent, independently of the client's signing code.</summary>
    public static void AssertSignedBy(SeenRequest request, AwsCredentials key, string region, string service)
    {
        var authorization = request.Headers["Authorization"];
        var parts = authorization["AWS4-HMAC-SHA256 ".Length..].Split(", ")
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var scope = parts["Credential"].Split('/');
        Xunit.Assert.Equal(key.AccessKeyId, scope[0]);
        Xunit.Assert.Equal([region, service, "aws4_request"], scope[2..]);

        var signedHeaders = parts["SignedHeaders"].Split(';');
        var canonical = new StringBuilder($"{request.Method}\n{request.Path}\n\n");
        foreach (var name in signedHeaders)
            canonical.Append(name).Append(':').Append(request.Headers[name].Trim()).Append('\n');
        canonical.Append('\n').Append(parts["SignedHeaders"]).Append('\n').Append(Hex(SHA256.HashData(Encoding.UTF8.GetBytes(request.Body))));

        var amzDate = request.Headers["x-amz-date"];
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope[1]}/{region}/{service}/aws4_request\n"
            + Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
        var signingKey = Encoding.UTF8.GetBytes("AWS4" + key.SecretAccessKey);
        foreach (var part in new[] { scope[1], region, service, "aws4_request" })
            signingKey = HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(part));
        Xunit.Assert.Equal(Hex(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign))), parts["Signature"]);
    }

    public static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}

/// <summary>
/// A bare HTTP/1.1 server on a loopback socket, to see the request exactly as it travels, and to drop
/// connections without an answer the way a failing load balancer does.
/// </summary>
internal sealed class RawHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<SeenRequest, int, string?> _respond;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _count;

    /// <param name="respond">The XML to answer with status 200, or null to close the connection unanswered.</param>
    public RawHttpServer(Func<SeenRequest, int, string?> respond)
    {
        _respond = respond;
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri Endpoint => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            while (await ReadRequestAsync(stream) is { } request)
            {
                Requests.Enqueue(request);
                var xml = _respond(request, Interlocked.Increment(ref _count));
                if (xml is null)
                    return; // closes the socket with no answer
                var body = Encoding.UTF8.GetBytes(xml);
                var head = $"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {body.Length}\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                await stream.WriteAsync(body);
            }
        }
    }

    private static async Task<SeenRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (!(buffer.Count >= 4 && buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0)
                return null;
            buffer.Add(one[0]);
        }
        var lines = Encoding.ASCII.GetString(buffer.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        var headers = lines.Skip(1).Select(l => l.Split(':', 2))
            .ToDictionary(h => h[0].Trim(), h => h[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = new byte[int.Parse(headers.GetValueOrDefault("Content-Length", "0"), System.Globalization.CultureInfo.InvariantCulture)];
        await stream.ReadExactlyAsync(body);
        return new SeenRequest(requestLine[0], requestLine[1], headers, Encoding.UTF8.GetString(body));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _loop; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
