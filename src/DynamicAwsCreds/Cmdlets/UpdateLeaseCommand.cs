using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>
/// Update-Lease: Vault's <c>lease renew</c>. Extends an iam_user lease by -Increment (default: the mount's
/// lease duration), capped at its max TTL with a warning; rewrites the user's expiry guard. STS leases are not renewable.
/// </summary>
[Cmdlet(VerbsData.Update, "Lease", SupportsShouldProcess = true)]
[OutputType(typeof(Lease))]
public sealed class UpdateLeaseCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("lease_id")]
    [ArgumentCompleter(typeof(LeaseIdCompleter))]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public string[] LeaseId { get; set; } = [];

    [Parameter(Position = 1)]
    [DurationTransform]
    public Duration? Increment { get; set; }

    protected override void Process()
    {
        var increment = Increment?.Resolve(nameof(Increment));
        foreach (var id in LeaseId)
        {
            try
            {
                if (!ShouldProcess(id, "Renew lease"))
                {
                    continue;
                }

                var result = Run((events, ct) => Engine.RenewLeaseAsync(id, increment, events, ct), "Renewing " + id);
                if (result.Capped)
                {
                    WriteWarning($"Lease {id} was renewed only until {result.Lease.ExpireTime:u}: that is its maximum (issue time + max TTL).");
                }

                WriteObject(new Lease(result.Lease, DateTimeOffset.UtcNow));
            }
            catch (DynamicAwsCreds.Engine.EngineException ex)
            {
                WriteEngineError(ex);
            }
        }
    }
}
