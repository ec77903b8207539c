using System.Management.Automation;
using DynamicAwsCreds.Engine.Stores;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>
/// Copy-LeaseStore: moves a SQLite store into a shared DynamoDB table (mounts, root and lease config, roles and live
/// leases, under the same store id). Root keys are sealed again with KMS, or left behind with -UseDefaultCredentialChain.
/// </summary>
[Cmdlet(VerbsCommon.Copy, "LeaseStore", SupportsShouldProcess = true, DefaultParameterSetName = KmsSet)]
[OutputType(typeof(LeaseStoreCopy))]
public sealed class CopyLeaseStoreCommand : DynamicAwsCredsCmdlet
{
    private const string KmsSet = "KmsKey";
    private const string DefaultChainSet = "DefaultCredentialChain";

    /// <summary>The DynamoDB table: dynamodb://&lt;table&gt;?region=&lt;region&gt;[&amp;endpoint=&lt;url&gt;][&amp;kmsEndpoint=&lt;url&gt;].</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = string.Empty;

    /// <summary>The SQLite store to copy; by default DYNAMICAWSCREDS_STORE when it names a file, else the OS user's store.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Source { get; set; }

    [Parameter(ParameterSetName = KmsSet)]
    [ValidateNotNullOrEmpty]
    public string? KmsKeyId { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = DefaultChainSet)]
    public SwitchParameter UseDefaultCredentialChain { get; set; }

    protected override void Process()
    {
        var request = new StoreCopyRequest(Destination)
        {
            // A file path is read as PowerShell reads one (relative to the current location, ~ expanded); a URI is left to the engine.
            Source = Source is null || Source.Contains("://", StringComparison.Ordinal) ? Source : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Source),
            KmsKeyId = KmsKeyId,
            UseDefaultCredentialChain = UseDefaultCredentialChain,
        };
        var plan = Engine.PlanStoreCopy(request);
        if (!ShouldProcess(plan.Destination, LeaseStoreCopy.Describe(plan)))
        {
            return;
        }

        var copied = Run((events, ct) => Engine.CopyStoreAsync(request with { Source = plan.Source }, events, ct), "Copying " + plan.Source);
        WriteObject(new LeaseStoreCopy(copied));
    }
}
