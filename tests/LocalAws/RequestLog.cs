using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LocalAws;

/// <summary>
/// <c>GET /_localaws/requests</c>: the request log (<see cref="IamState.Requests"/>) as JSON, for tests that run
/// LocalAws as a separate process: <c>[{"ReceivedUtc":"…","Service":"iam","Action":"CreateUser","AccessKeyId":"ASIA…",
/// "CallerArn":"arn:aws:sts::…:assumed-role/…/…","StatusCode":200,"ErrorCode":null}, …]</c>, oldest first. It holds no
/// secrets (key ids only), needs no signature, and is not itself logged.
/// </summary>
public sealed partial class LocalAwsServer
{
    /// <summary>The path of the JSON request log (GET only).</summary>
    public const string RequestLogPath = "/_localaws/requests";

    private static bool IsRequestLogRequest(HttpContext ctx) => RawPath(ctx) == RequestLogPath;

    private async Task HandleRequestLogAsync(HttpContext ctx)
    {
        if (!HttpMethods.IsGet(ctx.Request.Method))
        {
            ctx.Response.Headers.Allow = "GET";
            await WriteJsonAsync(ctx, 405, w =>
            {
                w.WriteString("code", "MethodNotAllowed");
                w.WriteString("message", $"The HTTP method {ctx.Request.Method} is not supported by {RequestLogPath}; use GET.");
            }).ConfigureAwait(false);
            return;
        }

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartArray();
            foreach (var r in State.Requests)
            {
                w.WriteStartObject();
                w.WriteString("ReceivedUtc", r.ReceivedUtc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                w.WriteString("Service", r.Service);
                w.WriteString("Action", r.Action);
                w.WriteString("AccessKeyId", r.AccessKeyId);
                w.WriteString("CallerArn", r.CallerArn);
                w.WriteNumber("StatusCode", r.StatusCode);
                w.WriteString("ErrorCode", r.ErrorCode);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = buffer.Length;
        await ctx.Response.Body.WriteAsync(buffer.ToArray(), ctx.RequestAborted).ConfigureAwait(false);
    }
}
