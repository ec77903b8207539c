using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Set-AwsLeaseConfig: Vault's <c>aws/config/lease</c> — how long iam_user leases last, and their maximum.</summary>
[Cmdlet(VerbsCommon.Set, "AwsLeaseConfig", SupportsShouldProcess = true)]
[OutputType(typeof(AwsLeaseConfig))]
public sealed class SetAwsLeaseConfigCommand : DynamicAwsCredsCmdlet
{
    [Parameter]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    [Parameter(Mandatory = true, Position = 0)]
    [DurationTransform]
    public Duration Lease { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1)]
    [Alias("lease_max")]
    [DurationTransform]
    public Duration LeaseMax { get; set; } = null!;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var lease = Lease.Resolve(nameof(Lease));
        var leaseMax = LeaseMax.Resolve(nameof(LeaseMax));
        if (!ShouldProcess(Path, $"Set iam_user leases to {DynamicAwsCreds.Engine.Durations.Format(lease)} (max {DynamicAwsCreds.Engine.Durations.Format(leaseMax)})"))
        {
            return;
        }

        var record = Engine.SetLeaseConfig(Path, lease, leaseMax);
        if (PassThru)
        {
            WriteObject(new AwsLeaseConfig(record.Mount, record.Lease, record.LeaseMax, new SecretsEngine(Engine.GetMount(record.Mount))));
        }
    }
}
