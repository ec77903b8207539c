using System.Management.Automation;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>
/// Revoke-Lease: Vault's <c>lease revoke</c> (ids, or lease objects from the pipeline) and
/// <c>lease revoke -prefix</c>. Deletes the IAM user behind each lease. Idempotent: a user already
/// gone counts as revoked.
/// </summary>
[Cmdlet("Revoke", "Lease", SupportsShouldProcess = true, DefaultParameterSetName = "Id", ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RevokeLeaseResult))]
public sealed class RevokeLeaseCommand : DynamicAwsCredsCmdlet
{
    private readonly List<LeaseRecord> _pending = [];

    /// <summary>Ids named that this store revoked before: revoking them again succeeds quietly.</summary>
    private readonly List<string> _revokedBefore = [];

    [Parameter(ParameterSetName = "Id", Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("lease_id")]
    [ArgumentCompleter(typeof(LeaseIdCompleter))]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public string[] LeaseId { get; set; } = [];

    [Parameter(ParameterSetName = "Prefix", Mandatory = true)]
    [ArgumentCompleter(typeof(LeaseIdCompleter))]
    [AllowEmptyString]
    public string Prefix { get; set; } = string.Empty;

    /// <summary>Revoke every lease past its expiry (the sweep for runbooks), and clean up after crashed issues.</summary>
    [Parameter(ParameterSetName = "Expired", Mandatory = true)]
    public SwitchParameter Expired { get; set; }

    [Parameter(ParameterSetName = "Expired")]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ThrottleLimit]
    public int ThrottleLimit { get; set; } = 8;

    protected override void Process()
    {
        if (ParameterSetName == "Expired")
        {
            var expired = Engine.ListExpiredLeases(Path);
            if (!ShouldProcess(Path ?? "all secrets engines", $"Revoke {expired.Count} expired lease(s) and delete their IAM users"))
            {
                return;
            }

            Run((events, ct) => Engine.RecoverAbandonedIntentsAsync(events, ct), "Cleaning up interrupted issues");
            RevokeAll("expired leases", expired);
            return;
        }

        if (ParameterSetName == "Prefix")
        {
            var leases = Engine.ResolveRevokePrefix(Prefix);
            if (leases.Count == 0 && Engine.RevokePrefixWarning(Prefix) is { } warning)
            {
                WriteWarning(warning);
            }

            if (!ShouldProcess(Prefix, $"Revoke {leases.Count} lease(s) and delete their IAM users"))
            {
                return;
            }

            RevokeAll(Prefix, leases);
            return;
        }

        // Ids are gathered and revoked together in EndProcessing, so a pipeline of ids runs in parallel.
        foreach (var id in LeaseId)
        {
            try
            {
                if (Engine.FindLeaseToRevoke(id) is not { } lease)
                {
                    WriteVerbose($"Lease {id} was revoked already.");
                    _revokedBefore.Add(id);
                }
                else if (ShouldProcess(lease.LeaseId, "Revoke lease and delete its IAM user"))
                {
                    _pending.Add(lease);
                }
            }
            catch (EngineException ex)
            {
                WriteEngineError(ex);
            }
        }
    }

    protected override void EndProcessing()
    {
        var named = _pending.Count + _revokedBefore.Count;
        if (named == 0)
        {
            return;
        }

        try
        {
            RevokeAll(named == 1 ? _pending.Select(l => l.LeaseId).Concat(_revokedBefore).Single() : $"{named} leases", _pending, named: true);
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

    /// <param name="named">The leases were named by id: one another host is revoking is a LeaseBusy error, not skipped.</param>
    private void RevokeAll(string target, IReadOnlyList<LeaseRecord> leases, bool named = false)
    {
        var summary = leases.Count == 0 ? new RevokeSummary(0, 0, 0, []) : Run((events, ct) => named
            ? Engine.RevokeNamedLeasesAsync(leases, ThrottleLimit, Force, events, ct)
            : Engine.RevokeLeasesAsync(leases, ThrottleLimit, Force, events, ct), "Revoking leases");
        foreach (var outcome in summary.Outcomes.Where(o => o.Status == RevokeStatus.Failed))
        {
            WriteEngineError(outcome.Error!);
        }

        WriteObject(new RevokeLeaseResult(target, summary, named ? _revokedBefore : []));
    }
}
