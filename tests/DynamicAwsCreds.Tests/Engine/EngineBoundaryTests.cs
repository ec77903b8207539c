using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Aws;
using Microsoft.Data.Sqlite;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>What leaves an engine call: each failure the engine knows as an EngineException with a reason, and its events where the caller asked.</summary>
public sealed class EngineBoundaryTests
{
    private const string Location = "/stores/store.db";
    private readonly EngineBoundary _boundary = new(Location);

    [Fact]
    public void A_database_error_no_store_translated_names_the_store()
    {
        var busy = Assert.Throws<EngineException>(() => _boundary.Run(() => throw new TransientDbException()));
        Assert.Equal(("StoreBusy", ErrorKind.ResourceBusy, (object?)Location), (busy.Reason, busy.Kind, busy.Target));

        var broken = Assert.Throws<EngineException>(() => _boundary.Run(() => throw new SqliteException("disk I/O error", 10)));
        Assert.Equal(("StoreUnavailable", ErrorKind.ResourceUnavailable, (object?)Location), (broken.Reason, broken.Kind, broken.Target));
    }

    [Fact]
    public void A_file_that_cannot_be_used_is_StoreUnavailable()
    {
        var ex = Assert.Throws<EngineException>(() => _boundary.Run(() => throw new IOException("No space left on device.")));
        Assert.Equal("StoreUnavailable", ex.Reason);
        Assert.Contains("No space left on device", ex.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(ex.InnerException);
    }

    [Fact]
    public async Task A_stop_the_caller_asked_for_stays_a_cancellation_and_any_other_is_OperationStopped()
    {
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _boundary.RunAsync(null, null, stopped.Token, () => Task.FromCanceled<bool>(stopped.Token)));

        using var other = new CancellationTokenSource();
        await other.CancelAsync();
        var ex = await Assert.ThrowsAsync<EngineException>(() =>
            _boundary.RunAsync("target", null, CancellationToken.None, () => Task.FromCanceled<bool>(other.Token)));
        Assert.Equal(("OperationStopped", ErrorKind.OperationStopped, (object?)"target"), (ex.Reason, ex.Kind, ex.Target));
    }

    [Fact]
    public async Task An_AWS_error_keeps_its_code_and_names_what_the_call_said_it_was_about()
    {
        var ex = await Assert.ThrowsAsync<EngineException>(() => _boundary.RunAsync("aws", null, CancellationToken.None, async () =>
        {
            await Task.Yield();
            EngineOperation.About("vault-alice");
            throw new AwsServiceException("iam", "DeleteUser", "AccessDenied", "not allowed", 403, null, isSender: true);
        }));

        Assert.Equal(("AwsAccessDenied", "AccessDenied", (object?)"vault-alice"), (ex.Reason, ex.AwsCode, ex.Target));
        Assert.Equal("AWS IAM DeleteUser failed: AccessDenied: not allowed", ex.Message);
    }

    [Fact]
    public async Task Events_go_to_the_sink_of_the_call_that_made_them_and_nowhere_after()
    {
        var first = new Recorder();
        var second = new Recorder();
        var gate = new TaskCompletionSource();
        var a = _boundary.RunAsync(null, first, CancellationToken.None, async () =>
        {
            await gate.Task;
            EngineOperation.Events.Verbose("from the first call");
        });
        var b = _boundary.RunAsync(null, second, CancellationToken.None, async () =>
        {
            await Task.Yield();
            EngineOperation.Events.Warning("from the second call");
            gate.SetResult();
        });
        await Task.WhenAll(a, b);

        Assert.Equal(["verbose: from the first call"], first.Lines);
        Assert.Equal(["warning: from the second call"], second.Lines);
        Assert.Same(NoOperationEvents.Instance, EngineOperation.Events);
    }

    /// <summary>A database error its provider calls transient (a lock held by another writer).</summary>
    private sealed class TransientDbException() : System.Data.Common.DbException("the table is locked")
    {
        public override bool IsTransient => true;
    }

    private sealed class Recorder : IOperationEvents
    {
        public List<string> Lines { get; } = [];

        public void Verbose(string message) => Lines.Add("verbose: " + message);

        public void Warning(string message) => Lines.Add("warning: " + message);

        public void Progress(int completed, int total, string status) => Lines.Add($"progress: {completed}/{total}");
    }
}
