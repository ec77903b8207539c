using System.Diagnostics;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Sqlite;

namespace DynamicAwsCreds.BenchTool;

/// <summary>The bench's measurements that need the engine's own types, each on a store the bench made.</summary>
internal static class Scenarios
{
    private const string Mount = "aws";

    /// <summary>
    /// A new store with the "aws" mount and <paramref name="total"/> active iam_user leases: <paramref name="matching"/>
    /// under role lookup-target, the rest over 200 other roles, some sorting right before and after it.
    /// </summary>
    public static object Fill(string storePath, int total, int matching)
    {
        using (var engine = new CredsEngine(storePath))
        {
            engine.EnableMount("aws", Mount, null, null, null);
        }

        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var others = Enumerable.Range(0, total - matching).Select(i =>
        {
            var role = (i % 200) switch
            {
                0 => "lookup-targe",
                1 => "lookup-target-x",
                2 => "lookup-targetz",
                var r => $"role-{r:000}",
            };
            return Lease(role, now, $"vault-bench-{role}-{i}", $"AKIABENCH{i:00000000000}");
        });
        var targets = Enumerable.Range(0, matching).Select(i => Lease("lookup-target", now, $"vault-bench-lookup-target-{i}", $"AKIALOOKUP{i:0000000000}"));

        var clock = Stopwatch.StartNew();
        using ILeaseStore store = SqliteLeaseStore.Open(storePath);
        var added = store.ImportLeases(others.Concat(targets));
        var count = store.CountLeases(Mount);
        clock.Stop();
        Console.Error.WriteLine($"   [Fill] filled {count} leases ({added} added) in {clock.Elapsed.TotalMilliseconds:0} ms");
        return new { Fill = new { Leases = count, Ms = clock.Elapsed.TotalMilliseconds } };
    }

    /// <summary>
    /// IssueCredentialAsync then RevokeLeaseAsync of <paramref name="role"/>, <paramref name="warmUp"/> + <paramref name="runs"/>
    /// times, on a CredsEngine of the store (the mount's root config points at the bench's LocalAws); the warm-up is not kept,
    /// nor is a pair whose revoke failed (counted in RevokeFailed).
    /// </summary>
    public static async Task<object> EngineAsync(string storePath, string role, int runs, int warmUp)
    {
        using var engine = new CredsEngine(storePath);
        var issue = new List<double>();
        var revoke = new List<double>();
        var revokeFailed = 0;
        for (var i = 0; i < warmUp + runs; i++)
        {
            var clock = Stopwatch.StartNew();
            var issued = await engine.IssueCredentialAsync(Mount, role, null, null, CancellationToken.None);
            var issueMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            var outcome = await engine.RevokeLeaseAsync(issued.Lease.LeaseId, false, null, CancellationToken.None);
            var revokeMs = clock.Elapsed.TotalMilliseconds;
            if (outcome.Error is { } error)
            {
                Console.Error.WriteLine($"   [engine] revoke {i}: {error.GetType().Name}: {error.Message}");
                revokeFailed += i >= warmUp ? 1 : 0;
            }
            else if (i >= warmUp)
            {
                issue.Add(issueMs);
                revoke.Add(revokeMs);
            }
        }

        return new { IssueMs = issue, RevokeMs = revoke, RevokeFailed = revokeFailed };
    }

    /// <summary>
    /// The store calls an iam_user issue makes (GetMount x2, GetRole, GetRootConfig, ListPendingLeases, GetLeaseConfig,
    /// InsertLeaseUnderEnabledMount, MarkUserCreated, ActivateLease), timed one by one, the lease deleted after each run.
    /// </summary>
    public static object StoreShare(string storePath, string role, int runs, int warmUp)
    {
        string[] names = ["GetMount", "GetMount2", "GetRole", "GetRootConfig", "ListPendingLeases", "GetLeaseConfig", "InsertLeaseUnderEnabledMount", "MarkUserCreated", "ActivateLease"];
        using var self = Process.GetCurrentProcess();
        var owner = new LeaseOwner(Environment.MachineName, Environment.ProcessId, new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero));
        using ILeaseStore store = SqliteLeaseStore.Open(storePath);
        var totals = new List<double>();
        var pieces = names.ToDictionary(n => n, _ => new List<double>());
        for (var i = 0; i < warmUp + runs; i++)
        {
            var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            var leaseId = LeaseIds.New(Mount, role);
            var intent = new LeaseRecord(leaseId, Mount, role, "iam_user", LeaseState.Pending, now, now.AddHours(768), now.AddHours(768),
                null, true, "vault-bench-store-" + leaseId[^24..], null, null, owner);
            Action[] calls =
            [
                () => store.GetMount(Mount),
                () => store.GetMount(Mount),
                () => store.GetRole(Mount, role),
                () => store.GetRootConfig(Mount),
                () => store.ListPendingLeases(),
                () => store.GetLeaseConfig(Mount),
                () => store.InsertLeaseUnderEnabledMount(intent),
                () => store.MarkUserCreated(leaseId),
                () => store.ActivateLease(leaseId, "AKIABENCHSTORE00000"),
            ];
            var times = new double[calls.Length];
            var clock = Stopwatch.StartNew();
            for (var k = 0; k < calls.Length; k++)
            {
                calls[k]();
                times[k] = clock.Elapsed.TotalMilliseconds;
            }

            clock.Stop();
            store.DeleteLease(leaseId);
            if (i >= warmUp)
            {
                totals.Add(times[^1]);
                for (var k = 0; k < calls.Length; k++)
                {
                    pieces[names[k]].Add(times[k] - (k == 0 ? 0 : times[k - 1]));
                }
            }
        }

        return new { TotalMs = totals, PiecesMs = pieces };
    }

    private static LeaseRecord Lease(string role, DateTimeOffset now, string userName, string accessKeyId) =>
        new(LeaseIds.New(Mount, role), Mount, role, "iam_user", LeaseState.Active, now, now.AddHours(768), now.AddHours(768),
            null, true, userName, accessKeyId, null, null);
}
