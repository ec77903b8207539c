using System.Diagnostics;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Revoke;

/// <summary>Tells an intent whose issuing process is still at work from one a crash left behind.</summary>
internal static class IntentOwners
{
    /// <summary>No issue takes this long; an older intent is abandoned whoever wrote it.</summary>
    public static readonly TimeSpan MaxIssueTime = TimeSpan.FromMinutes(15);

    private static readonly Lazy<LeaseOwner> ThisProcess = new(() =>
    {
        using var self = Process.GetCurrentProcess();
        return new LeaseOwner(Environment.MachineName, Environment.ProcessId, new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero));
    });

    /// <summary>This process, as the owner of the intents it writes.</summary>
    public static LeaseOwner Current => ThisProcess.Value;

    public static bool IsAbandoned(LeaseRecord intent, DateTimeOffset now)
    {
        if (now - intent.IssueTime > MaxIssueTime || intent.Owner is null)
        {
            return true;
        }

        if (!string.Equals(intent.Owner.Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase))
        {
            // Another machine's process: we cannot see it, so only age tells.
            return false;
        }

        return !IsRunning(intent.Owner);
    }

    private static bool IsRunning(LeaseOwner owner)
    {
        try
        {
            using var process = Process.GetProcessById(owner.ProcessId);
            // A recycled pid belongs to a process that started later than the owner did.
            var started = new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
            return Math.Abs((started - owner.ProcessStart).TotalSeconds) < 2 && !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
