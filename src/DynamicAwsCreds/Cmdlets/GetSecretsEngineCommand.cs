using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Get-SecretsEngine: the enabled secrets engines, by path (wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "SecretsEngine")]
[OutputType(typeof(SecretsEngine))]
public sealed class GetSecretsEngineCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string? Path { get; set; }

    protected override void Process()
    {
        var pattern = new WildcardPattern(string.IsNullOrEmpty(Path) ? "*" : Path.Trim('/'), WildcardOptions.IgnoreCase);
        var found = Engine.GetMounts().Where(m => pattern.IsMatch(m.Path)).ToList();
        if (found.Count == 0 && !string.IsNullOrEmpty(Path) && !WildcardPattern.ContainsWildcardCharacters(Path))
        {
            // A named path that is not enabled: say so, as Get-Item does.
            Engine.GetMount(Path);
        }

        foreach (var m in found)
        {
            WriteObject(new SecretsEngine(m));
        }
    }
}
