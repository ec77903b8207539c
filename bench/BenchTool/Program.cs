using System.Text.Json;
using DynamicAwsCreds.BenchTool;

// dotnet BenchTool.dll <fill|engine|store-share> --store <path> [--name value ...]
// Writes one JSON object to stdout; progress goes to stderr.
if (args.Length == 0 || args[0] is not ("fill" or "engine" or "store-share"))
{
    Console.Error.WriteLine("usage: BenchTool fill|engine|store-share --store <path> [--total N --matching N] [--role R --runs N --warmup N]");
    return 2;
}

var options = BenchOptions.Parse(args.AsSpan(1));
object result = args[0] switch
{
    "fill" => Scenarios.Fill(options.Store, options.Int("total", 100_000), options.Int("matching", 10)),
    "engine" => await Scenarios.EngineAsync(options.Store, options.Text("role"), options.Int("runs", 25), options.Int("warmup", 3)),
    _ => Scenarios.StoreShare(options.Store, options.Text("role"), options.Int("runs", 25), options.Int("warmup", 3)),
};
Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
return 0;
