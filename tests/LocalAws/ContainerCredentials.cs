using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace LocalAws;

/// <summary>
/// The ECS/EKS container credentials endpoint the AWS SDKs read through <c>AWS_CONTAINER_CREDENTIALS_FULL_URI</c>
/// (with <c>AWS_CONTAINER_AUTHORIZATION_TOKEN</c> sent as the Authorization header):
/// <c>GET /container-credentials/[&lt;role name&gt;]</c> answers
/// <c>{"AccessKeyId":"ASIA…","SecretAccessKey":"…","Token":"…","Expiration":"…Z","RoleArn":"arn:aws:iam::…:role/…","AccountId":"…"}</c>
/// with real AssumeRole credentials (1 h) of that role, assumed by the root user <c>localaws-root</c>, as a task role's
/// credentials are assumed-role credentials in AWS. Without a role name: <see cref="DefaultContainerRoleName"/>, which is
/// created (AdministratorAccess, trusted by the account) on first use. Errors are <c>{"code":"…","message":"…"}</c>.
/// Fault injection (<c>--fail</c>, <c>--drop</c>, <c>--delay</c>) applies under the action name <c>ContainerCredentials</c>.
/// </summary>
public sealed partial class LocalAwsServer
{
    /// <summary>The role the container credentials endpoint assumes when its URL names none.</summary>
    public const string DefaultContainerRoleName = "localaws-container-role";

    /// <summary>The endpoint's path prefix (GET only; the Query protocol uses <c>/</c>).</summary>
    public const string ContainerCredentialsPath = "/container-credentials";

    /// <summary>The action name container credential requests are recorded and fault-injected under.</summary>
    public const string ContainerCredentialsAction = "ContainerCredentials";

    private const int ContainerSessionSeconds = 3600;

    /// <summary>http://127.0.0.1:&lt;port&gt;/container-credentials/localaws-container-role, for AWS_CONTAINER_CREDENTIALS_FULL_URI.</summary>
    public Uri ContainerCredentialsUri => new(Endpoint, ContainerCredentialsPath.TrimStart('/') + "/" + DefaultContainerRoleName);

    [GeneratedRegex(@"^[\w+=,.@-]{1,64}$")]
    private static partial Regex RoleNamePattern();

    private static string RawPath(HttpContext ctx)
    {
        var rawTarget = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (ctx.Request.Path + ctx.Request.QueryString);
        var q = rawTarget.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? rawTarget : rawTarget[..q];
    }

    private static bool IsContainerCredentialsRequest(HttpContext ctx)
    {
        var path = RawPath(ctx);
        return path == ContainerCredentialsPath || path.StartsWith(ContainerCredentialsPath + "/", StringComparison.Ordinal);
    }

    private async Task HandleContainerCredentialsAsync(HttpContext ctx)
    {
        var received = DateTime.UtcNow;
        int status;
        string? errorCode = null;
        string? accessKeyId = null;
        try
        {
            if (!HttpMethods.IsGet(ctx.Request.Method))
            {
                ctx.Response.Headers.Allow = "GET";
                throw new AwsError(405, "MethodNotAllowed", $"The HTTP method {ctx.Request.Method} is not supported by the container credentials endpoint; use GET.");
            }

            CheckContainerToken(ctx.Request);

            var name = Uri.UnescapeDataString(RawPath(ctx)[ContainerCredentialsPath.Length..].Trim('/'));
            if (name.Length == 0)
            {
                name = DefaultContainerRoleName;
            }

            if (!RoleNamePattern().IsMatch(name))
            {
                throw AwsError.NoSuchEntity($"'{name}' is not a role name.");
            }

            Throttle();
            var delay = Options.LatencyMs + Options.DelayFor(ContainerCredentialsAction);
            if (delay > 0)
            {
                await Task.Delay(delay, ctx.RequestAborted).ConfigureAwait(false);
            }

            var count = actionCounts.AddOrUpdate(ContainerCredentialsAction, 1, (_, n) => n + 1);
            if (LocalAwsOptions.Matches(Options.Drop, Options.Sync, ContainerCredentialsAction, count))
            {
                State.Record(new LocalAwsRequestRecord(received, "container", ContainerCredentialsAction, null, 0, null));
                ctx.Abort();
                return;
            }

            if (LocalAwsOptions.Matches(Options.Fail, Options.Sync, ContainerCredentialsAction, count))
            {
                throw new AwsError(500, "ServiceFailure", "Request processing has failed due to some unknown error, exception or failure.", sender: false);
            }

            XElement result;
            string roleArn;
            lock (State.Gate)
            {
                if (!State.UsersByName.TryGetValue(IamState.RootUserName, out var root) || root.Deleted)
                {
                    throw new AwsError(500, "ServiceFailure", $"The user {IamState.RootUserName} that assumes container roles does not exist.", sender: false);
                }

                var now = DateTime.UtcNow + Options.ClockOffset;
                if (!State.RolesByName.TryGetValue(name, out var role))
                {
                    if (!string.Equals(name, DefaultContainerRoleName, StringComparison.OrdinalIgnoreCase))
                    {
                        throw AwsError.NoSuchEntity($"The role with name {name} cannot be found.");
                    }

                    role = CreateContainerRole(now);
                }

                roleArn = role.Arn(State.AccountId);
                var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["RoleArn"] = roleArn,
                    ["RoleSessionName"] = "localaws-container-" + State.NextSequence().ToString(CultureInfo.InvariantCulture),
                    ["DurationSeconds"] = ContainerSessionSeconds.ToString(CultureInfo.InvariantCulture),
                };
                var context = new IamContext(State, parameters, root, null, now, Options, "sts", "AssumeRole");
                result = StsActions.Handlers["AssumeRole"](context)!;
            }

            string Value(string localName) => result.Descendants().First(e => e.Name.LocalName == localName).Value;
            accessKeyId = Value("AccessKeyId");
            status = 200;
            await WriteJsonAsync(ctx, status, w =>
            {
                w.WriteString("AccessKeyId", accessKeyId);
                w.WriteString("SecretAccessKey", Value("SecretAccessKey"));
                w.WriteString("Token", Value("SessionToken"));
                w.WriteString("Expiration", Value("Expiration"));
                w.WriteString("RoleArn", roleArn);
                w.WriteString("AccountId", State.AccountId);
            }).ConfigureAwait(false);
        }
        catch (AwsError e)
        {
            status = e.Status;
            errorCode = e.Code;
            if (status == 401)
            {
                ctx.Response.Headers.WWWAuthenticate = "Token";
            }

            await WriteJsonAsync(ctx, status, w =>
            {
                w.WriteString("code", e.Code);
                w.WriteString("message", e.Message);
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            status = 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            status = 500;
            errorCode = "ServiceFailure";
            await Console.Error.WriteLineAsync($"LocalAws: internal error in {ContainerCredentialsAction}: {e}").ConfigureAwait(false);
            if (!ctx.Response.HasStarted)
            {
                await WriteJsonAsync(ctx, status, w =>
                {
                    w.WriteString("code", "ServiceFailure");
                    w.WriteString("message", "Request processing has failed due to some unknown error, exception or failure.");
                }).ConfigureAwait(false);
            }
        }

        State.Record(new LocalAwsRequestRecord(received, "container", ContainerCredentialsAction, accessKeyId, status, errorCode));
    }

    private void CheckContainerToken(HttpRequest request)
    {
        var expected = Options.ContainerAuthorizationToken;
        if (string.IsNullOrEmpty(expected))
        {
            return;
        }

        var presented = request.Headers.Authorization.ToString();
        if (presented.Length == 0)
        {
            throw new AwsError(401, "MissingAuthorizationToken", "The container credentials endpoint requires the Authorization header (AWS_CONTAINER_AUTHORIZATION_TOKEN).");
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected)))
        {
            throw new AwsError(403, "AccessDenied", "The Authorization header does not hold the container authorization token.");
        }
    }

    /// <summary>
    /// Creates <see cref="DefaultContainerRoleName"/>: AdministratorAccess attached, trusted by name by the user the
    /// endpoint assumes it as, so (as a task role is assumed by the container runtime, not by any IAM user) the root
    /// key's own policy (--root-policy) does not decide whether the endpoint answers. Holds the state lock.
    /// </summary>
    private RoleEntity CreateContainerRole(DateTime now)
    {
        var role = new RoleEntity
        {
            Name = DefaultContainerRoleName,
            Path = "/",
            Id = IamState.NewId("AROA", 17),
            Created = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc),
            TrustPolicy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{State.AccountId}}:user/{{IamState.RootUserName}}"},"Action":"sts:AssumeRole"}]}""",
            Description = "LocalAws container role: the identity behind the container credentials endpoint.",
        };
        role.AttachedPolicies.Add("arn:aws:iam::aws:policy/AdministratorAccess");
        State.RolesByName.Add(role.Name, role);
        return role;
    }

    private static async Task WriteJsonAsync(HttpContext ctx, int status, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }

        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = buffer.Length;
        await ctx.Response.Body.WriteAsync(buffer.ToArray(), ctx.RequestAborted).ConfigureAwait(false);
    }
}
