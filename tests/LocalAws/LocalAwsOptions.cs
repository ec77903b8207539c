using System.Globalization;

namespace LocalAws;

/// <summary>One fault injection rule: an IAM/STS Action name and, optionally, the 1-based call number it applies to.</summary>
public sealed record FaultRule(string Action, int? Nth = null)
{
    /// <summary>Parses <c>Action</c> or <c>Action:nth</c>.</summary>
    public static FaultRule Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return text.Length == 0 ? throw new FormatException("An action name is required.") : new FaultRule(text);
        }

        var action = text[..colon];
        if (action.Length == 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var nth) || nth < 1)
        {
            throw new FormatException($"'{text}' is not of the form Action[:nth] with nth >= 1.");
        }

        return new FaultRule(action, nth);
    }

    public override string ToString() => Nth is null ? Action : $"{Action}:{Nth.Value.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// Settings of a <see cref="LocalAwsServer"/>. The fault knobs (latency, delays, faults, throttle, clock
/// offset, key propagation, consistency delay) are read on every request and may be changed while the server runs; while it
/// runs, change the collections through <see cref="SetDelay"/>, <see cref="AddFail"/>, <see cref="AddDrop"/>
/// and <see cref="ClearFaults"/> (they lock), or mutate them directly only before starting it.
/// </summary>
public sealed class LocalAwsOptions
{
    internal readonly object Sync = new();

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Access key id of the trusted root identity (IAM user <c>localaws-root</c>). AWS's documented example key by default.</summary>
    public string RootAccessKeyId { get; set; } = "AKIAIOSFODNN7EXAMPLE";

    public string RootSecretAccessKey { get; set; } = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    public string AccountId { get; set; } = "123456789012";

    /// <summary>
    /// The root identity's IAM policy document (JSON), evaluated as AWS evaluates identity policies: LocalAws attaches it
    /// to <c>localaws-root</c> as the customer managed policy <c>localaws-root-policy</c> instead of AdministratorAccess.
    /// ACCOUNT-ID is not substituted. Null (the default): the root identity has AdministratorAccess.
    /// </summary>
    public string? RootPolicy { get; set; }

    /// <summary>Milliseconds added to every call.</summary>
    public int LatencyMs { get; set; }

    /// <summary>Action name → milliseconds added to that action.</summary>
    public Dictionary<string, int> DelayMs { get; } = new(StringComparer.Ordinal);

    /// <summary>Action[:nth] → ServiceFailure 500.</summary>
    public List<FaultRule> Fail { get; } = [];

    /// <summary>Action[:nth] → the connection is closed without an answer.</summary>
    public List<FaultRule> Drop { get; } = [];

    /// <summary>Action[:nth] → the call is carried out, then the connection is closed without an answer (a lost response).</summary>
    public List<FaultRule> LoseAnswer { get; } = [];

    /// <summary>Action[:nth] → the call is carried out, and answered 200 with a body that is not the documented XML (cut in half, as a broken proxy would).</summary>
    public List<FaultRule> Garbage { get; } = [];

    /// <summary>Greater than 0: requests over this rate (token bucket, burst = max(1, rate)) get Throttling 400.</summary>
    public double ThrottleRps { get; set; }

    /// <summary>Added to the real UTC clock to give LocalAws's idea of now (aws:CurrentTime, CreateDate). SigV4's 15-minute skew check uses the real clock.</summary>
    public TimeSpan ClockOffset { get; set; }

    /// <summary>A newly created access key is refused with InvalidClientTokenId for this long.</summary>
    public int KeyPropagationMs { get; set; }

    /// <summary>
    /// Eventual consistency: a new IAM user, and a managed or inline policy, group membership or access key added to a
    /// user, is seen by later calls only after its own random 0..n milliseconds (see <see cref="Consistency"/>).
    /// </summary>
    public int ConsistencyDelayMs { get; set; }

    /// <summary>
    /// When set, GET /container-credentials/… (the ECS/EKS container credentials endpoint) requires exactly this value
    /// in the Authorization header, as the SDKs send AWS_CONTAINER_AUTHORIZATION_TOKEN: 401 without the header, 403 with another value.
    /// </summary>
    public string? ContainerAuthorizationToken { get; set; }

    /// <summary>KMS keys made at start, each with its alias (<c>alias/…</c>) in its region (see <see cref="KmsState"/>).</summary>
    public List<(string Alias, string Region)> KmsKeys { get; } = [];

    /// <summary>Parses <c>alias/name</c> or <c>alias/name@region</c> (us-east-1 when no region is given).</summary>
    public static (string Alias, string Region) ParseKmsKey(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.LastIndexOf('@');
        var (alias, region) = at < 0 ? (text, "us-east-1") : (text[..at], text[(at + 1)..]);
        if (!alias.StartsWith("alias/", StringComparison.Ordinal) || alias.Length == "alias/".Length || region.Length == 0)
        {
            throw new FormatException($"'{text}' is not of the form alias/<name>[@<region>].");
        }

        return (alias, region);
    }

    public void SetDelay(string action, int milliseconds)
    {
        lock (Sync)
        {
            DelayMs[action] = milliseconds;
        }
    }

    public void AddFail(FaultRule rule)
    {
        lock (Sync)
        {
            Fail.Add(rule);
        }
    }

    public void AddDrop(FaultRule rule)
    {
        lock (Sync)
        {
            Drop.Add(rule);
        }
    }

    public void AddLoseAnswer(FaultRule rule)
    {
        lock (Sync)
        {
            LoseAnswer.Add(rule);
        }
    }

    public void AddGarbage(FaultRule rule)
    {
        lock (Sync)
        {
            Garbage.Add(rule);
        }
    }

    /// <summary>Removes every delay, fail, drop, lost-answer and garbage rule.</summary>
    public void ClearFaults()
    {
        lock (Sync)
        {
            DelayMs.Clear();
            Fail.Clear();
            Drop.Clear();
            LoseAnswer.Clear();
            Garbage.Clear();
        }
    }

    internal int DelayFor(string action)
    {
        lock (Sync)
        {
            return DelayMs.TryGetValue(action, out var ms) ? ms : 0;
        }
    }

    internal static bool Matches(List<FaultRule> rules, object sync, string action, int count)
    {
        lock (sync)
        {
            foreach (var rule in rules)
            {
                if (string.Equals(rule.Action, action, StringComparison.Ordinal) && (rule.Nth is null || rule.Nth.Value == count))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Parses a duration such as <c>90s</c>, <c>2h</c>, <c>-1h</c>, <c>30m</c>, <c>1d</c>, <c>500ms</c> or <c>01:00:00</c>.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        if (TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var ts) && s.Contains(':', StringComparison.Ordinal))
        {
            return ts;
        }

        var sign = 1;
        if (s.StartsWith('-'))
        {
            sign = -1;
            s = s[1..];
        }
        else if (s.StartsWith('+'))
        {
            s = s[1..];
        }

        (string unit, double factorMs)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)];
        foreach (var (unit, factor) in units)
        {
            if (s.EndsWith(unit, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(s[..^unit.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)
                && !(unit == "s" && s.EndsWith("ms", StringComparison.OrdinalIgnoreCase)))
            {
                return TimeSpan.FromMilliseconds(sign * n * factor);
            }
        }

        if (double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(sign * seconds);
        }

        throw new FormatException($"'{text}' is not a duration (examples: 90s, 2h, -1h, 01:00:00).");
    }
}
