using System.Diagnostics;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Revoke;

/// <summary>
/// Who this engine is when it owns a lease (host identity, process id, process start, heartbeat deadline), and how it
/// tells an owner still at work from one that is gone. An owner with a deadline is alive while the deadline lies
/// ahead and, when it is on this engine's host, while its process runs; an owner without one (written before
/// deadlines existed) is judged as then: gone when its process on this host is, or once the lease is older than
/// <see cref="MaxIssueTime"/>.
/// </summary>
internal sealed class IntentOwners(string hostId, TimeSpan deadline, Func<DateTimeOffset> now)
{
    /// <summary>No issue takes this long; an older intent without a deadline is abandoned whoever wrote it.</summary>
    public static readonly TimeSpan MaxIssueTime = TimeSpan.FromMinutes(15);

    /// <summary>How long an owner stays alive without a heartbeat, unless DYNAMICAWSCREDS_INTENT_DEADLINE says otherwise.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromMinutes(2);

    public const string HostIdVariable = "DYNAMICAWSCREDS_HOST_ID";
    public const string DeadlineVariable = "DYNAMICAWSCREDS_INTENT_DEADLINE";

    private static readonly Lazy<(int Id, DateTimeOffset Start)> ThisProcess = new(() =>
    {
        using var self = Process.GetCurrentProcess();
        return (Environment.ProcessId, DateTimeOffset.FromUnixTimeMilliseconds(new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero).ToUnixTimeMilliseconds()));
    });

    /// <summary>This process on the machine's name, without a deadline: an owner as written before deadlines existed.</summary>
    public static LeaseOwner Current => new(Environment.MachineName, ThisProcess.Value.Id, ThisProcess.Value.Start);

    public string HostId => hostId;

    public TimeSpan Deadline => deadline;

    /// <summary>How often a holder moves its deadline on: three beats fit in one deadline (never more often than every 10 ms).</summary>
    public TimeSpan HeartbeatInterval => TimeSpan.FromTicks(Math.Max(deadline.Ticks / 3, TimeSpan.FromMilliseconds(10).Ticks));

    /// <summary>DYNAMICAWSCREDS_HOST_ID when set, else the machine name.</summary>
    public static string ResolveHostId(string? configured) =>
        !string.IsNullOrWhiteSpace(configured) ? configured.Trim()
        : Environment.GetEnvironmentVariable(HostIdVariable) is { } env && !string.IsNullOrWhiteSpace(env) ? env.Trim()
        : Environment.MachineName;

    /// <summary>DYNAMICAWSCREDS_INTENT_DEADLINE (a duration such as "2m") when set, else <see cref="DefaultDeadline"/>; a malformed or non-positive value is an error naming the variable.</summary>
    /// <param name="environment">Reads an environment variable (default: this process's environment).</param>
    public static TimeSpan ResolveDeadline(TimeSpan? configured, Func<string, string?>? environment = null)
    {
        if (configured is { } given)
        {
            return given > TimeSpan.Zero ? given : throw InvalidDeadline(given.ToString(), $"The intent deadline must be positive; it was {given}.");
        }

        var text = (environment ?? Environment.GetEnvironmentVariable)(DeadlineVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultDeadline;
        }

        return Durations.TryParse(text, out var value) && value > TimeSpan.Zero && value <= TimeSpan.FromDays(1)
            ? value
            : throw InvalidDeadline(text, $"{DeadlineVariable} is '{text}', which is not a positive duration of at most a day (for example \"2m\", \"90s\" or \"120\"). Fix or unset the variable (default: {Durations.Format(DefaultDeadline)}).");
    }

    private static EngineException InvalidDeadline(string value, string message) =>
        new("InvalidIntentDeadline", ErrorKind.InvalidArgument, value, message);

    /// <summary>This engine as a new owner: its host, this process, and a deadline one <see cref="Deadline"/> from now.</summary>
    public LeaseOwner NewOwner() => new(hostId, ThisProcess.Value.Id, ThisProcess.Value.Start) { Deadline = NextDeadline() };

    /// <summary>The same owner with its deadline moved on (a heartbeat).</summary>
    public LeaseOwner Renewed(LeaseOwner owner) => owner with { Deadline = NextDeadline() };

    // Whole milliseconds, as every store keeps them, so an owner compares equal to its stored copy.
    private DateTimeOffset NextDeadline() => DateTimeOffset.FromUnixTimeMilliseconds((now() + deadline).ToUnixTimeMilliseconds());

    public bool IsAbandoned(LeaseRecord intent, DateTimeOffset at) => IsGone(intent.Owner, intent.IssueTime, at);

    /// <summary>The owner can no longer be working on a lease made at <paramref name="since"/>: another may take it over.</summary>
    public bool IsGone(LeaseOwner? owner, DateTimeOffset since, DateTimeOffset at)
    {
        if (owner is null)
        {
            return true;
        }

        var onThisHost = string.Equals(owner.Host, hostId, StringComparison.OrdinalIgnoreCase);
        if (owner.Deadline is { } until)
        {
            // Past its deadline it is gone wherever it runs; before, a process on this host that has ended is gone too.
            return until <= at || (onThisHost && !IsRunning(owner));
        }

        if (at - since > MaxIssueTime)
        {
            return true;
        }

        // Another machine's process without a deadline: we cannot see it, so only age tells.
        return onThisHost && !IsRunning(owner);
    }

    private static bool IsRunning(LeaseOwner owner)
    {
        if (owner.ProcessId == ThisProcess.Value.Id && owner.ProcessStart == ThisProcess.Value.Start)
        {
            return true;
        }

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
