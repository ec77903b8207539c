using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DynamicAwsCreds.BenchTool;
using DynamicAwsCreds.Engine.Store;

// dotnet BenchTool.dll <fill|engine|store-share> --store <path> [--name value ...]
// dotnet BenchTool.dll store-writes --table <t> --region <r> --endpoint <url> --role <r> [--runs N --warmup N]
// dotnet BenchTool.dll vault-order --store <path> --role <r> --endpoint <url> --access-key <k> --secret-key <s> [--runs N --warmup N]
// dotnet BenchTool.dll ddb-meter --target <url>   (serves until stdin closes)
// Writes one JSON object to stdout; progress goes to stderr.
if (args.Length == 0 || args[0] is not ("fill" or "engine" or "store-share" or "store-writes" or "vault-order" or "ddb-meter"))
{
    Console.Error.WriteLine("usage: BenchTool fill|engine|store-share --store <path> [--total N --matching N] [--role R --runs N --warmup N]");
    Console.Error.WriteLine("       BenchTool store-writes --table T --region R --endpoint URL --role R [--runs N --warmup N]");
    Console.Error.WriteLine("       BenchTool vault-order --store <path> --role R --endpoint URL --access-key K --secret-key S [--runs N --warmup N]");
    Console.Error.WriteLine("       BenchTool ddb-meter --target URL");
    return 2;
}

var options = BenchOptions.Parse(args.AsSpan(1));
object result = args[0] switch
{
    "fill" => Scenarios.Fill(options.Store, options.Int("total", 100_000), options.Int("matching", 10)),
    "engine" => await Scenarios.EngineAsync(options.Store, options.Text("role"), options.Int("runs", 25), options.Int("warmup", 3)),
    "store-writes" => SharedScenarios.StoreWrites(
        new DynamoDbStoreLocation(options.Text("table"), options.Text("region"), new Uri(options.Text("endpoint"))),
        options.Text("role"), options.Int("runs", 25), options.Int("warmup", 3)),
    "vault-order" => await VaultOrderScenario.RunAsync(
        options.Store, options.Text("role"), new Uri(options.Text("endpoint")),
        new DynamicAwsCreds.Engine.Aws.AwsCredentials(options.Text("access-key"), options.Text("secret-key")), options.Int("runs", 25), options.Int("warmup", 3)),
    "ddb-meter" => await SharedScenarios.MeterAsync(new Uri(options.Text("target")), FreeLoopbackPort()),
    _ => Scenarios.StoreShare(options.Store, options.Text("role"), options.Int("runs", 25), options.Int("warmup", 3)),
};
Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
return 0;

static int FreeLoopbackPort()
{
    using var probe = new TcpListener(IPAddress.Loopback, 0);
    probe.Start();
    return ((IPEndPoint)probe.LocalEndpoint).Port;
}
