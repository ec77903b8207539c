using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Enable-SecretsEngine: Vault's <c>secrets enable aws</c>.</summary>
[Cmdlet(VerbsLifecycle.Enable, "SecretsEngine", SupportsShouldProcess = true)]
[OutputType(typeof(SecretsEngine))]
public sealed class EnableSecretsEngineCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(EngineTypeCompleter))]
    public string Type { get; set; } = "aws";

    [Parameter]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    [Parameter]
    public string? Description { get; set; }

    [Parameter]
    [Alias("default_lease_ttl")]
    [DurationTransform]
    public Duration? DefaultLeaseTtl { get; set; }

    [Parameter]
    [Alias("max_lease_ttl")]
    [DurationTransform]
    public Duration? MaxLeaseTtl { get; set; }

    protected override void Process()
    {
        var defaultTtl = DefaultLeaseTtl?.Resolve(nameof(DefaultLeaseTtl));
        var maxTtl = MaxLeaseTtl?.Resolve(nameof(MaxLeaseTtl));
        if (!ShouldProcess(Path, $"Enable the {Type} secrets engine"))
        {
            return;
        }

        WriteObject(new SecretsEngine(Engine.EnableMount(Type, Path, Description, defaultTtl, maxTtl)));
    }
}
