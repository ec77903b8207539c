using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Get-Lease: Vault's <c>lease lookup</c> (by id) and <c>lease list</c> (by prefix, role, mount). Never shows a secret.</summary>
[Cmdlet(VerbsCommon.Get, "Lease", DefaultParameterSetName = "List")]
[OutputType(typeof(Lease))]
public sealed class GetLeaseCommand : DynamicAwsCredsCmdlet
{
    [Parameter(ParameterSetName = "Id", Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("lease_id")]
    [ArgumentCompleter(typeof(LeaseIdCompleter))]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public string[] LeaseId { get; set; } = [];

    [Parameter(ParameterSetName = "List")]
    [ArgumentCompleter(typeof(LeaseIdCompleter))]
    public string? Prefix { get; set; }

    [Parameter(ParameterSetName = "List")]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public string? Role { get; set; }

    [Parameter(ParameterSetName = "List")]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string? Path { get; set; }

    [Parameter(ParameterSetName = "List")]
    public SwitchParameter Expired { get; set; }

    protected override void Process()
    {
        var now = DateTimeOffset.UtcNow;
        if (ParameterSetName == "Id")
        {
            foreach (var id in LeaseId)
            {
                try
                {
                    WriteObject(new Lease(Engine.GetLease(id), now));
                }
                catch (Engine.EngineException ex)
                {
                    WriteEngineError(ex);
                }
            }

            return;
        }

        var prefix = Prefix;
        if (prefix is null && (Path is not null || Role is not null))
        {
            prefix = Engine.LeasePrefix(Path, Role);
        }

        foreach (var lease in Engine.ListLeases(prefix))
        {
            if (Role is not null && !string.Equals(lease.Role, Role, StringComparison.Ordinal))
            {
                continue;
            }

            if (Expired && lease.ExpireTime > now)
            {
                continue;
            }

            WriteObject(new Lease(lease, now));
        }
    }
}
