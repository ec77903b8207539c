using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.DynamoDb;
using Xunit;

namespace DynamicAwsCreds.Tests.Store;

/// <summary>
/// One dynalite (an independent, in-memory DynamoDB implementation) for the whole test run, on a free loopback port:
/// <c>node</c> runs DYNAMICAWSCREDS_TEST_DYNALITE, else tests/dynalite/server.js (after <c>npm ci</c> when its
/// packages are missing). Each store gets a table of its own.
/// </summary>
public sealed class DynaliteServer : IDisposable
{
    public const string Region = "us-east-1";

    /// <summary>Any keys do for dynalite; the store's SDK client signs with these.</summary>
    public static readonly AWSCredentials Credentials = new BasicAWSCredentials("AKIDDYNALITETEST0000", "dynalite-test-secret");

    private readonly Process _process;

    public DynaliteServer()
    {
        var server = Environment.GetEnvironmentVariable("DYNAMICAWSCREDS_TEST_DYNALITE") is { Length: > 0 } configured ? configured : Install();
        var start = new ProcessStartInfo("node")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { server, "--create-ms", "100", "--delete-ms", "100" })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result is not { } text || !text.StartsWith("dynalite listening on ", StringComparison.Ordinal))
        {
            Dispose();
            throw new InvalidOperationException($"dynalite ({server}) did not report 'dynalite listening on'.");
        }

        Endpoint = new Uri(text["dynalite listening on ".Length..].Trim());
    }

    public Uri Endpoint { get; }

    /// <summary>A location with a fresh random table name.</summary>
    public DynamoDbStoreLocation NewLocation() => new("dac-test-" + Guid.NewGuid().ToString("n")[..12], Region, Endpoint);

    /// <summary>Opens a store (creating its table) at <paramref name="location"/>, or at a fresh table.</summary>
    public DynamoDbLeaseStore Open(DynamoDbStoreLocation? location = null, string? newStoreId = null, int? pageSize = null) =>
        DynamoDbLeaseStore.Open(location ?? NewLocation(), newStoreId, Credentials, pageSize);

    /// <summary>An SDK client of the server, to look at or shape a table behind the store's back.</summary>
    public AmazonDynamoDBClient Client() =>
        new(Credentials, new AmazonDynamoDBConfig { ServiceURL = Endpoint.ToString(), AuthenticationRegion = Region });

    private static string Install()
    {
        var folder = Path.Combine(RepoRoot(), "tests", "dynalite");
        if (!File.Exists(Path.Combine(folder, "node_modules", ".package-lock.json")))
        {
            var npm = Process.Start(new ProcessStartInfo("npm") { ArgumentList = { "ci", "--prefix", folder, "--ignore-scripts", "--no-audit", "--no-fund" }, UseShellExecute = false })!;
            npm.WaitForExit();
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci in {folder} failed (exit {npm.ExitCode}).");
            }
        }

        return Path.Combine(folder, "server.js");
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "tests", "dynalite", "server.js")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("tests/dynalite/server.js was not found above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}

/// <summary>The tests that share the run's one dynalite.</summary>
[CollectionDefinition(Name)]
public sealed class DynaliteCollection : ICollectionFixture<DynaliteServer>
{
    public const string Name = "dynalite";
}
