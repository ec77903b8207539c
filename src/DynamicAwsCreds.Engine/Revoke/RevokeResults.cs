namespace DynamicAwsCreds.Engine.Revoke;

public enum RevokeStatus
{
    /// <summary>The IAM user was deleted (or, for STS, the lease forgotten) and the lease removed.</summary>
    Revoked,
    /// <summary>The IAM user was already gone; the lease was removed.</summary>
    AlreadyGone,
    /// <summary>AWS cleanup failed; the lease stays, so revoking again retries.</summary>
    Failed,
    /// <summary>AWS cleanup failed and -Force forgot the lease; the IAM user may remain.</summary>
    Forgotten,
}

public sealed record RevokeOutcome(string LeaseId, RevokeStatus Status, string? UserName, EngineException? Error);

public sealed record RevokeSummary(int Revoked, int Failed, int Skipped, IReadOnlyList<RevokeOutcome> Outcomes)
{
    public int Total => Outcomes.Count;

    /// <summary>The first failed revoke's error, whose cause a message about the whole summary names.</summary>
    public EngineException? FirstFailure => Outcomes.FirstOrDefault(o => o.Status == RevokeStatus.Failed)?.Error;

    /// <summary>
    /// "The first, lease X, failed: &lt;the AWS or network error&gt;." (with how many others), for a message about the whole
    /// summary; empty when nothing failed.
    /// </summary>
    public string FailureCause()
    {
        if (FirstFailure is not { } first)
        {
            return string.Empty;
        }

        var cause = (first.InnerException as EngineException ?? first).Message;
        var others = Failed > 1 ? $" ({Failed - 1} other(s) failed too; Revoke-Lease names each)" : string.Empty;
        return $"The first, lease {first.Target}, failed{others}: {EngineException.Sentence(cause)}";
    }
}

/// <summary>A renewed lease, and whether the increment was cut short by the lease's max TTL.</summary>
public sealed record RenewResult(DynamicAwsCreds.Engine.Store.LeaseRecord Lease, bool Capped);
