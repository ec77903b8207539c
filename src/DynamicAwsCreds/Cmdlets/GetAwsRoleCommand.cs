using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Get-AwsRole: roles of a mount, by name (wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "AwsRole")]
[OutputType(typeof(AwsRole))]
public sealed class GetAwsRoleCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public string? Name { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Mount")]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    protected override void Process()
    {
        if (!string.IsNullOrEmpty(Name) && !WildcardPattern.ContainsWildcardCharacters(Name))
        {
            var role = Engine.GetRole(Path, Name);
            WriteObject(new AwsRole(role, Engine.RoleTerm(role)));
            return;
        }

        var pattern = new WildcardPattern(string.IsNullOrEmpty(Name) ? "*" : Name, WildcardOptions.IgnoreCase);
        foreach (var role in Engine.GetRoles(Path).Where(r => pattern.IsMatch(r.Name)))
        {
            WriteObject(new AwsRole(role, Engine.RoleTerm(role)));
        }
    }
}
