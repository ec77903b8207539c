using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Get-AwsStaticRole: static roles of a mount, by name (wildcards allowed). Never a secret.</summary>
[Cmdlet(VerbsCommon.Get, "AwsStaticRole")]
[OutputType(typeof(AwsStaticRole))]
public sealed class GetAwsStaticRoleCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(StaticRoleNameCompleter))]
    public string? Name { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Mount")]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    protected override void Process()
    {
        if (!string.IsNullOrEmpty(Name) && !WildcardPattern.ContainsWildcardCharacters(Name))
        {
            WriteObject(new AwsStaticRole(Engine.GetStaticRole(Path, Name)));
            return;
        }

        var pattern = new WildcardPattern(string.IsNullOrEmpty(Name) ? "*" : Name, WildcardOptions.IgnoreCase);
        foreach (var role in Engine.GetStaticRoles(Path).Where(r => pattern.IsMatch(r.Name)))
        {
            WriteObject(new AwsStaticRole(role));
        }
    }
}
