using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.DynamoDb;

namespace DynamicAwsCreds.BenchTool;

/// <summary>The bench's measurements of the shared (DynamoDB) store: its writes on an issue's critical path, and its request units.</summary>
internal static class SharedScenarios
{
    private const string Mount = "aws";

    /// <summary>
    /// The two store writes an iam_user issue cannot overlap with IAM: the intent (InsertLeaseUnderEnabledMount, before
    /// CreateUser) and its activation (ActivateLease, owner-checked, after CreateAccessKey), timed one by one on the
    /// table of <paramref name="location"/>, whose "aws" mount the bench made; the lease is deleted after each run.
    /// </summary>
    public static object StoreWrites(DynamoDbStoreLocation location, string role, int runs, int warmUp)
    {
        using var self = Process.GetCurrentProcess();
        using var store = DynamoDbLeaseStore.Open(location);
        var insert = new List<double>();
        var activate = new List<double>();
        for (var i = 0; i < warmUp + runs; i++)
        {
            var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            var owner = new LeaseOwner("bench", Environment.ProcessId, new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero))
            {
                Deadline = now.AddMinutes(2),
            };
            var leaseId = LeaseIds.New(Mount, role);
            var intent = new LeaseRecord(leaseId, Mount, role, "iam_user", LeaseState.Pending, now, now.AddHours(768), now.AddHours(768),
                null, true, "vault-bench-shared-" + leaseId[^24..], null, null, owner);
            var clock = Stopwatch.StartNew();
            var inserted = store.InsertLeaseUnderEnabledMount(intent);
            var insertMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            var activated = store.ActivateLease(leaseId, "AKIDEXAMPLESHARED000", owner);
            var activateMs = clock.Elapsed.TotalMilliseconds;
            store.DeleteLease(leaseId);
            if (!inserted || !activated)
            {
                throw new InvalidOperationException($"The store refused the bench's lease (inserted: {inserted}, activated: {activated}); is the '{Mount}' mount enabled?");
            }

            if (i >= warmUp)
            {
                insert.Add(insertMs);
                activate.Add(activateMs);
            }
        }

        return new { InsertMs = insert, ActivateMs = activate };
    }

    /// <summary>
    /// A loopback proxy in front of DynamoDB at <paramref name="target"/> that asks every call for its consumed capacity
    /// (ReturnConsumedCapacity TOTAL) and adds it up per operation. GET /_meter returns the totals and the first calls in
    /// order (<c>{"totals":{"PutItem":{"calls":n,"units":u},…},"sequence":[…]}</c>) and starts again from zero. Prints
    /// "ddb-meter listening on http://127.0.0.1:&lt;port&gt;" and serves until stdin closes.
    /// </summary>
    public static async Task<object> MeterAsync(Uri target, int port)
    {
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        Console.WriteLine($"ddb-meter listening on http://127.0.0.1:{port}");
        using var http = new HttpClient();
        var meter = new CapacityMeter();
        var stop = Task.Run(() => Console.In.ReadToEnd());
        while (true)
        {
            var next = listener.GetContextAsync();
            if (await Task.WhenAny(next, stop).ConfigureAwait(false) == stop)
            {
                return new { Stopped = true };
            }

            _ = ForwardAsync(await next.ConfigureAwait(false), http, target, meter);
        }
    }

    private static async Task ForwardAsync(HttpListenerContext ctx, HttpClient http, Uri target, CapacityMeter meter)
    {
        try
        {
            if (ctx.Request.HttpMethod == "GET" && ctx.Request.Url?.AbsolutePath == "/_meter")
            {
                await WriteAsync(ctx.Response, 200, "application/json", meter.TakeTotals()).ConfigureAwait(false);
                return;
            }

            var operation = (ctx.Request.Headers["X-Amz-Target"] ?? "").Split('.').Last();
            using var reader = new StreamReader(ctx.Request.InputStream);
            var body = JsonNode.Parse(await reader.ReadToEndAsync().ConfigureAwait(false))!.AsObject();
            body["ReturnConsumedCapacity"] = "TOTAL";
            using var request = new HttpRequestMessage(HttpMethod.Post, target)
            {
                Content = new StringContent(body.ToJsonString()),
            };
            request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
            foreach (var name in new[] { "X-Amz-Target", "X-Amz-Date", "Authorization", "X-Amz-Security-Token" })
            {
                if (ctx.Request.Headers[name] is { } value)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }
            }

            using var response = await http.SendAsync(request).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            meter.Add(operation, Target(body), response.IsSuccessStatusCode ? JsonNode.Parse(text)?["ConsumedCapacity"]?["CapacityUnits"]?.GetValue<double>() : null);
            await WriteAsync(ctx.Response, (int)response.StatusCode, "application/x-amz-json-1.0", text).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or HttpListenerException)
        {
            Console.Error.WriteLine($"ddb-meter: {ex.Message}");
            ctx.Response.Abort();
        }
    }

    // The item or partition a call reads or writes, as "pk/sk" (or "pk/…" for a Query), for the meter's call list.
    private static string Target(JsonObject body)
    {
        if (body["Key"] is JsonObject key)
        {
            return $"{key["pk"]?["S"]}/{key["sk"]?["S"]}";
        }

        if (body["Item"] is JsonObject item)
        {
            return $"{item["pk"]?["S"]}/{item["sk"]?["S"]}";
        }

        return body["ExpressionAttributeValues"]?[":pk"]?["S"] is { } pk ? $"{pk}/…" : "";
    }

    private static async Task WriteAsync(HttpListenerResponse response, int status, string contentType, string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        response.Close();
    }

    /// <summary>
    /// Calls and consumed capacity units per DynamoDB operation, and the first calls in order; a call refused by its
    /// condition counts as a call with no units reported.
    /// </summary>
    private sealed class CapacityMeter
    {
        private const int KeptCalls = 200;
        private readonly Lock _gate = new();
        private Dictionary<string, (int Calls, double Units)> _totals = new(StringComparer.Ordinal);
        private List<string> _sequence = [];

        public void Add(string operation, string target, double? units)
        {
            lock (_gate)
            {
                var (calls, sum) = _totals.GetValueOrDefault(operation);
                _totals[operation] = (calls + 1, sum + (units ?? 0));
                if (_sequence.Count < KeptCalls)
                {
                    _sequence.Add($"{operation} {target} {(units is { } u ? u.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")}");
                }
            }
        }

        /// <summary>{"totals":{op:{calls,units}},"sequence":["GetItem mounts/mounts 1",…]}, then starts again from zero.</summary>
        public string TakeTotals()
        {
            Dictionary<string, (int Calls, double Units)> taken;
            List<string> sequence;
            lock (_gate)
            {
                (taken, sequence) = (_totals, _sequence);
                (_totals, _sequence) = (new(StringComparer.Ordinal), []);
            }

            return JsonSerializer.Serialize(new
            {
                totals = taken.ToDictionary(t => t.Key, t => new { calls = t.Value.Calls, units = t.Value.Units }),
                sequence,
            });
        }
    }
}
