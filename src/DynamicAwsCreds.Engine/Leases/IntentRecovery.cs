using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Leases;

/// <summary>
/// Cleans up after issues that never finished: an intent whose owner is gone (<see cref="IntentOwners.IsAbandoned"/>:
/// its deadline passed, or its process on this host ended) goes, and so does the half-made IAM user behind it when it
/// is provably this store's (<see cref="IntentCleanup"/>), so a crash mid-issue never strands a user. Each intent is
/// claimed first (<see cref="LeaseClaims"/>), so of several hosts recovering at once only one works on it, and an
/// owner that moved its deadline on meanwhile keeps it.
/// </summary>
internal sealed class IntentRecovery(EngineContext context)
{
    /// <summary>How long an issue waits on cleaning up after interrupted issues before it goes on without.</summary>
    public static readonly TimeSpan IssueBudget = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Issuing is where AWS is called anyway, so interrupted issues are cleaned up here (and by Revoke-Lease -Expired),
    /// never by read-only commands or tab completion; within a time budget, so an issue is not held up for long.
    /// </summary>
    /// <param name="intents">The intents as read ahead (<see cref="ReadIntentsAhead"/>), else null to read them here.</param>
    public async Task RecoverBeforeIssueAsync(Task<IReadOnlyList<LeaseRecord>>? intents, CancellationToken ct)
    {
        var pending = intents is null ? context.Store.ListPendingLeases() : await intents.ConfigureAwait(false);
        var now = context.Now();
        if (!pending.Any(l => context.Owners.IsAbandoned(l, now)))
        {
            return;
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(IssueBudget);
        try
        {
            await RecoverAbandonedAsync(budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            EngineOperation.Events.Warning($"Cleaning up after interrupted issues took longer than {Durations.Format(IssueBudget)}; it goes on at the next issue or Revoke-Lease -Expired.");
        }
    }

    /// <summary>
    /// Starts reading the intents for <see cref="RecoverBeforeIssueAsync"/> in the background, so that over a network (a
    /// shared store) the read overlaps the issue's reads of its mount, role and config. An intent is only ever taken over by a claim that
    /// reads it again, so reading the list a moment early changes nothing.
    /// </summary>
    public Task<IReadOnlyList<LeaseRecord>> ReadIntentsAhead() => Task.Run(context.Store.ListPendingLeases);

    /// <summary>Cleans up after every abandoned intent; one that fails is warned about and tried again later. Returns how many users were removed.</summary>
    public async Task<int> RecoverAbandonedAsync(CancellationToken ct)
    {
        var now = context.Now();
        var events = EngineOperation.Events;
        var abandoned = context.Store.ListPendingLeases().Where(l => context.Owners.IsAbandoned(l, now)).ToList();
        var cleaned = 0;
        foreach (var intent in abandoned)
        {
            var claim = LeaseClaims.Take(context.Store, context.Owners, intent, LeaseState.Pending, context.Now);
            if (claim.Status != ClaimStatus.Claimed)
            {
                continue;
            }

            await using var heartbeat = LeaseHeartbeat.Start(context.Store, intent.LeaseId, claim.Owner!, context.Owners, context.Time);
            try
            {
                var iam = context.Clients.For(intent.Mount).Iam;
                switch (await IntentCleanup.CleanUpAsync(iam, context.Store, intent, userCreated: false, ct, context.PropagationBudget).ConfigureAwait(false))
                {
                    case IntentOutcome.UserDeleted:
                        cleaned++;
                        events.Verbose($"Removed IAM user '{intent.UserName}' left half-made by a process that stopped while issuing {intent.LeaseId}.");
                        break;
                    case IntentOutcome.UserNotProven:
                        events.Warning($"IAM user '{intent.UserName}' exists, but nothing proves that the interrupted issue of {intent.LeaseId} made it (AWS never confirmed CreateUser), so it was left alone. Delete it by hand if it is yours.");
                        break;
                    default:
                        events.Verbose($"Forgot the interrupted issue {intent.LeaseId}: it made no IAM user.");
                        break;
                }
            }
            catch (Exception ex) when (context.ErrorOf(ex, intent.UserName) is { } error)
            {
                LeaseClaims.Release(context.Store, intent.LeaseId, await heartbeat.StopAsync().ConfigureAwait(false));
                events.Warning($"IAM user '{intent.UserName}', left half-made by a process that stopped while issuing, could not be removed yet ({error.AwsCode ?? error.Reason}); it will be tried again.");
            }
            catch (Exception)
            {
                LeaseClaims.Release(context.Store, intent.LeaseId, await heartbeat.StopAsync().ConfigureAwait(false));
                throw;
            }
        }

        return cleaned;
    }
}
