using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocalAws;

/// <summary>
/// A loopback IAM + STS endpoint speaking AWS's Query protocol, verifying SigV4 against the keys it knows.
/// </summary>
public sealed partial class LocalAwsServer : IAsyncDisposable
{
    internal static readonly XNamespace IamNs = "https://iam.amazonaws.com/doc/2010-05-08/";
    internal static readonly XNamespace StsNs = "https://sts.amazonaws.com/doc/2011-06-15/";

    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, int> actionCounts = new(StringComparer.Ordinal);
    private readonly object throttleSync = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private double tokens = double.NaN;
    private double lastRefillSeconds;
    private int disposed;

    private LocalAwsServer(WebApplication app, LocalAwsOptions options, int port)
    {
        this.app = app;
        Options = options;
        Port = port;
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        State = new IamState(options);
        Kms = new KmsState(options.AccountId);
        foreach (var (alias, region) in options.KmsKeys)
        {
            Kms.CreateKey(region, alias);
        }
    }

    /// <summary>http://127.0.0.1:&lt;port&gt;/</summary>
    public Uri Endpoint { get; }

    public int Port { get; }

    /// <summary>The options it runs with; the fault knobs may be changed while it runs.</summary>
    public LocalAwsOptions Options { get; }

    /// <summary>Read access to the IAM state, for assertions.</summary>
    public IamState State { get; }

    /// <summary>Starts listening on 127.0.0.1 (port 0 picks a free one) and returns once it accepts connections.</summary>
    public static async Task<LocalAwsServer> StartAsync(LocalAwsOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.RootPolicy is { } rootPolicy)
        {
            try
            {
                PolicyEvaluator.Validate(rootPolicy);
            }
            catch (AwsError e)
            {
                throw new ArgumentException($"The root policy is not a valid IAM policy: {e.Message}");
            }
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(LocalAwsServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 4 * 1024 * 1024;
            k.Listen(IPAddress.Loopback, options.Port);
        });
        var app = builder.Build();
        LocalAwsServer? server = null;
        app.Run(ctx => server!.HandleAsync(ctx));
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server = new LocalAwsServer(app, options, new Uri(address).Port);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await app.StopAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        if (IsContainerCredentialsRequest(ctx))
        {
            await HandleContainerCredentialsAsync(ctx).ConfigureAwait(false);
            return;
        }

        if (IsRequestLogRequest(ctx))
        {
            await HandleRequestLogAsync(ctx).ConfigureAwait(false);
            return;
        }

        if (IsKmsRequest(ctx))
        {
            await HandleKmsAsync(ctx).ConfigureAwait(false);
            return;
        }

        var requestId = Guid.NewGuid().ToString();
        var received = DateTime.UtcNow;
        var service = "iam";
        string? action = null;
        string? accessKeyId = null;
        string? callerArn = null;
        int status;
        string? errorCode = null;
        try
        {
            var body = await ReadBodyAsync(ctx).ConfigureAwait(false);
            var rawTarget = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (ctx.Request.Path + ctx.Request.QueryString);
            var q = rawTarget.IndexOf('?', StringComparison.Ordinal);
            var rawPath = q < 0 ? rawTarget : rawTarget[..q];
            var rawQuery = ParsePairs(q < 0 ? string.Empty : rawTarget[(q + 1)..], plusIsSpace: false);

            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in rawQuery)
            {
                parameters[k] = v;
            }

            if (HttpMethods.IsPost(ctx.Request.Method))
            {
                var contentType = ctx.Request.ContentType ?? string.Empty;
                if (contentType.Length == 0 || contentType.Contains("x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
                {
                    foreach (var (k, v) in ParsePairs(Encoding.UTF8.GetString(body), plusIsSpace: true))
                    {
                        parameters[k] = v;
                    }
                }
            }
            else if (!HttpMethods.IsGet(ctx.Request.Method))
            {
                throw new AwsError(405, "InvalidAction", $"The HTTP method {ctx.Request.Method} is not supported.");
            }

            parameters.TryGetValue("Action", out action);
            if (parameters.TryGetValue("Version", out var version) && version == "2011-06-15")
            {
                service = "sts";
            }

            var claim = SigV4Verifier.Parse(ctx.Request, rawQuery);
            if (claim is not null)
            {
                accessKeyId = claim.AccessKeyId;
                if (claim.Service is "iam" or "sts")
                {
                    service = claim.Service;
                }
            }

            Throttle();

            var delay = Options.LatencyMs + (action is null ? 0 : Options.DelayFor(action));
            if (delay > 0)
            {
                await Task.Delay(delay, ctx.RequestAborted).ConfigureAwait(false);
            }

            if (claim is null)
            {
                throw new AwsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
            }

            var (caller, session) = Authenticate(claim, ctx.Request, rawPath, rawQuery, body);
            callerArn = session?.Arn(State.AccountId) ?? caller?.Arn(State.AccountId);

            if (string.IsNullOrEmpty(action))
            {
                throw new AwsError(400, "MissingAction", "Missing Action");
            }

            var expectedVersion = service == "sts" ? "2011-06-15" : "2010-05-08";
            var handlers = service == "sts" ? StsActions.Handlers : IamActions.Handlers;
            if (!handlers.TryGetValue(action, out var handler) || (version is not null && version != expectedVersion))
            {
                throw new AwsError(400, "InvalidAction", $"Could not find operation {action} for version {version ?? "NO_VERSION_SPECIFIED"}");
            }

            var count = actionCounts.AddOrUpdate(action, 1, (_, n) => n + 1);
            if (LocalAwsOptions.Matches(Options.Drop, Options.Sync, action, count))
            {
                State.Record(new LocalAwsRequestRecord(received, service, action, accessKeyId, 0, null) { CallerArn = callerArn });
                ctx.Abort();
                return;
            }

            if (LocalAwsOptions.Matches(Options.Fail, Options.Sync, action, count))
            {
                throw new AwsError(500, "ServiceFailure", "Request processing has failed due to some unknown error, exception or failure.", sender: false);
            }

            var now = DateTime.UtcNow + Options.ClockOffset;
            var context = new IamContext(State, parameters, caller, session, now, Options, service, action);
            Authorization.Authorize(context);
            XElement? result;
            lock (State.Gate)
            {
                result = handler(context);
            }

            if (LocalAwsOptions.Matches(Options.LoseAnswer, Options.Sync, action, count))
            {
                // Done, but the answer never reaches the caller: the network lost it.
                State.Record(new LocalAwsRequestRecord(received, service, action, accessKeyId, 0, null) { CallerArn = callerArn });
                ctx.Abort();
                return;
            }

            var ns = service == "sts" ? StsNs : IamNs;
            var response = new XElement(ns + (action + "Response"));
            if (result is not null)
            {
                response.Add(result);
            }

            response.Add(new XElement(ns + "ResponseMetadata", new XElement(ns + "RequestId", requestId)));
            status = 200;
            if (LocalAwsOptions.Matches(Options.Garbage, Options.Sync, action, count))
            {
                var whole = response.ToString(SaveOptions.None);
                await WriteAsync(ctx, status, requestId, whole[..(whole.Length / 2)]).ConfigureAwait(false);
            }
            else
            {
                await WriteAsync(ctx, status, requestId, response).ConfigureAwait(false);
            }
        }
        catch (AwsError e)
        {
            status = e.Status;
            errorCode = e.Code;
            var ns = service == "sts" ? StsNs : IamNs;
            var error = new XElement(ns + "ErrorResponse",
                new XElement(ns + "Error",
                    new XElement(ns + "Type", e.Sender ? "Sender" : "Receiver"),
                    new XElement(ns + "Code", e.Code),
                    new XElement(ns + "Message", e.Message)),
                new XElement(ns + "RequestId", requestId));
            await WriteAsync(ctx, status, requestId, error).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            status = 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            status = 500;
            errorCode = "ServiceFailure";
            await Console.Error.WriteLineAsync($"LocalAws: internal error in {action}: {e}").ConfigureAwait(false);
            var ns = service == "sts" ? StsNs : IamNs;
            var error = new XElement(ns + "ErrorResponse",
                new XElement(ns + "Error",
                    new XElement(ns + "Type", "Receiver"),
                    new XElement(ns + "Code", "ServiceFailure"),
                    new XElement(ns + "Message", "Request processing has failed due to some unknown error, exception or failure.")),
                new XElement(ns + "RequestId", requestId));
            if (!ctx.Response.HasStarted)
            {
                await WriteAsync(ctx, status, requestId, error).ConfigureAwait(false);
            }
        }

        State.Record(new LocalAwsRequestRecord(received, service, action, accessKeyId, status, errorCode) { CallerArn = callerArn });
    }

    /// <summary>Verifies the signature of a known key; <paramref name="onlyService"/> is the one service the scope may name (else iam or sts).</summary>
    private (UserEntity? User, SessionEntity? Session) Authenticate(
        SigV4Claim claim, HttpRequest request, string rawPath, IReadOnlyList<KeyValuePair<string, string>> rawQuery, byte[] body, string? onlyService = null)
    {
        string secret;
        UserEntity? user = null;
        SessionEntity? session = null;
        lock (State.Gate)
        {
            if (State.KeysById.TryGetValue(claim.AccessKeyId, out var key))
            {
                if (key.Status != "Active" || key.User.Deleted
                    || (key.CreatedTick != long.MinValue && Environment.TickCount64 - key.CreatedTick < Options.KeyPropagationMs))
                {
                    throw AwsError.InvalidClientTokenId();
                }

                // A long-term key signs without a session token; with one, AWS does not recognise the pair.
                if (claim.SecurityToken is not null)
                {
                    throw AwsError.InvalidClientTokenId();
                }

                secret = key.Secret;
                user = key.User;
            }
            else if (State.SessionsByKeyId.TryGetValue(claim.AccessKeyId, out var s))
            {
                // Temporary credentials only work with their own session token.
                if (claim.SecurityToken is null
                    || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(claim.SecurityToken), Encoding.UTF8.GetBytes(s.Token))
                    || (s.User is { Deleted: true }))
                {
                    throw AwsError.InvalidClientTokenId();
                }

                secret = s.Secret;
                session = s;
                user = s.Kind == SessionKind.SessionToken ? s.User : null;
            }
            else
            {
                throw AwsError.InvalidClientTokenId();
            }
        }

        if (onlyService is not null)
        {
            if (claim.Service != onlyService)
            {
                throw AwsError.SignatureDoesNotMatch($"Credential should be scoped to correct service: '{onlyService}'. ");
            }
        }
        else if (claim.Service is not ("iam" or "sts"))
        {
            throw AwsError.SignatureDoesNotMatch($"Credential should be scoped to correct service: 'iam'. ");
        }

        if (claim.Service == "iam" && claim.Region != "us-east-1")
        {
            throw AwsError.SignatureDoesNotMatch($"Credential should be scoped to a valid region, not '{claim.Region}'. ");
        }

        SigV4Verifier.CheckTime(claim, DateTime.UtcNow);
        SigV4Verifier.Verify(claim, secret, request, rawPath, rawQuery, body);

        if (session is not null)
        {
            if (DateTime.UtcNow + Options.ClockOffset >= session.Expiration)
            {
                throw new AwsError(403, "ExpiredToken", "The security token included in the request is expired");
            }

            // IAM refuses GetSessionToken credentials obtained without MFA, and federated users' credentials.
            if (claim.Service == "iam" && (session.Kind == SessionKind.FederatedUser || (session.Kind == SessionKind.SessionToken && !session.Mfa)))
            {
                throw AwsError.InvalidClientTokenId();
            }
        }

        return (user, session);
    }

    private void Throttle()
    {
        var rps = Options.ThrottleRps;
        if (rps <= 0)
        {
            return;
        }

        var burst = Math.Max(1.0, rps);
        lock (throttleSync)
        {
            var now = clock.Elapsed.TotalSeconds;
            tokens = double.IsNaN(tokens) ? burst : Math.Min(burst, tokens + ((now - lastRefillSeconds) * rps));
            lastRefillSeconds = now;
            if (tokens < 1)
            {
                throw new AwsError(400, "Throttling", "Rate exceeded");
            }

            tokens -= 1;
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext ctx)
    {
        using var ms = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(ms, ctx.RequestAborted).ConfigureAwait(false);
        return ms.ToArray();
    }

    private static Task WriteAsync(HttpContext ctx, int status, string requestId, XElement xml) =>
        WriteAsync(ctx, status, requestId, xml.ToString(SaveOptions.None) + "\n");

    private static async Task WriteAsync(HttpContext ctx, int status, string requestId, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/xml";
        ctx.Response.Headers["x-amzn-RequestId"] = requestId;
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted).ConfigureAwait(false);
    }

    internal static List<KeyValuePair<string, string>> ParsePairs(string text, bool plusIsSpace)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var part in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var k = eq < 0 ? part : part[..eq];
            var v = eq < 0 ? string.Empty : part[(eq + 1)..];
            list.Add(new(Decode(k, plusIsSpace), Decode(v, plusIsSpace)));
        }

        return list;
    }

    private static string Decode(string s, bool plusIsSpace) =>
        Uri.UnescapeDataString(plusIsSpace ? s.Replace('+', ' ') : s);
}
