using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using DynamicAwsCreds.Engine;

namespace DynamicAwsCreds;

/// <summary>
/// The base of every cmdlet: finds this runspace's engine, checks the parameters marked
/// <see cref="ThrottleLimitAttribute"/>, runs engine work off the pipeline thread while pumping its
/// verbose/warning/progress records back onto it, and turns EngineExceptions into ErrorRecords with id
/// DynamicAwsCreds.&lt;Reason&gt;.
/// </summary>
public abstract class DynamicAwsCredsCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stopping = new();
    private CredsEngine? _engine;

    /// <summary>This runspace's engine, found on the pipeline thread (engine work runs on others, which have no runspace).</summary>
    internal CredsEngine Engine => _engine ??= EngineRegistry.For(Runspace.DefaultRunspace);

    protected override void BeginProcessing()
    {
        try
        {
            _ = Engine;
            ThrottleLimitAttribute.CheckBound(this);
        }
        catch (EngineException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
        }
        catch (Exception ex) when (IsUnexpected(ex))
        {
            ThrowTerminatingError(ToErrorRecord(EngineException.Unexpected(ex)));
        }
    }

    /// <summary>Not ours and not PowerShell's own (stops, terminating errors, binding): still a DynamicAwsCreds error.</summary>
    internal static bool IsUnexpected(Exception ex) =>
        ex is not (EngineException or RuntimeException or OperationCanceledException);

    protected CancellationToken Cancellation => _stopping.Token;

    protected override void StopProcessing() => _stopping.Cancel();

    protected override void ProcessRecord()
    {
        try
        {
            Process();
        }
        catch (EngineException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
        }
        catch (Exception ex) when (IsUnexpected(ex))
        {
            ThrowTerminatingError(ToErrorRecord(EngineException.Unexpected(ex)));
        }
    }

    /// <summary>The cmdlet's work for one pipeline input; EngineExceptions end the command with their ErrorRecord.</summary>
    protected abstract void Process();

    internal static ErrorRecord ToErrorRecord(EngineException ex)
    {
        var category = Enum.TryParse<ErrorCategory>(ex.Kind.ToString(), out var c) ? c : ErrorCategory.NotSpecified;
        var record = new ErrorRecord(ex, "DynamicAwsCreds." + ex.Reason, category, ex.Target);
        return record;
    }

    /// <summary>Writes a non-terminating error for one item, so the pipeline goes on with the next.</summary>
    internal void WriteEngineError(EngineException ex) => WriteError(ToErrorRecord(ex));

    /// <summary>Runs engine work to completion while writing its events from the pipeline thread; Ctrl+C cancels it.</summary>
    internal T Run<T>(Func<IOperationEvents, CancellationToken, Task<T>> operation, string activity = "DynamicAwsCreds")
    {
        using var events = new EventPump(activity);
        var task = Task.Run(() => operation(events, Cancellation));
        // The engine finishing must wake the loop at once, not after the drain's timeout.
        task.ContinueWith(_ => events.Wake(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        while (!task.IsCompleted)
        {
            events.Drain(this, TimeSpan.FromMilliseconds(250));
        }

        events.Drain(this, TimeSpan.Zero);
        events.Complete(this);
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    internal void Run(Func<IOperationEvents, CancellationToken, Task> operation, string activity = "DynamicAwsCreds") =>
        Run(async (events, ct) =>
        {
            await operation(events, ct).ConfigureAwait(false);
            return true;
        }, activity);

    private sealed class EventPump(string activity) : IOperationEvents, IDisposable
    {
        private readonly BlockingCollection<Action<Cmdlet>> _queue = new();
        private int _lastPercent = -1;
        private bool _progressShown;

        public void Verbose(string message) => _queue.Add(c => c.WriteVerbose(message));

        public void Wake()
        {
            try
            {
                _queue.Add(_ => { });
            }
            catch (ObjectDisposedException)
            {
                // The command already saw the task finish and moved on.
            }
        }

        public void Warning(string message) => _queue.Add(c => c.WriteWarning(message));

        public void Progress(int completed, int total, string status)
        {
            var percent = total == 0 ? 100 : (int)(completed * 100L / total);
            if (Interlocked.Exchange(ref _lastPercent, percent) == percent)
            {
                return;
            }

            _queue.Add(c =>
            {
                _progressShown = true;
                c.WriteProgress(new ProgressRecord(1, activity, status) { PercentComplete = percent });
            });
        }

        public void Drain(Cmdlet cmdlet, TimeSpan wait)
        {
            if (_queue.TryTake(out var first, wait))
            {
                first(cmdlet);
                while (_queue.TryTake(out var next))
                {
                    next(cmdlet);
                }
            }
        }

        public void Complete(Cmdlet cmdlet)
        {
            if (_progressShown)
            {
                cmdlet.WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        public void Dispose() => _queue.Dispose();
    }
}
