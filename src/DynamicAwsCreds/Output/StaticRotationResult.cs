using DynamicAwsCreds.Engine.StaticRoles;

namespace DynamicAwsCreds;

/// <summary>What Update-AwsStaticCredential -Due did: how many static roles were rotated and which failed.</summary>
public sealed class StaticRotationResult
{
    internal StaticRotationResult(StaticRotationSummary summary)
    {
        Rotated = summary.Rotated;
        Failed = summary.Failed;
        RotatedRoles = summary.Outcomes.Where(o => o.Error is null).Select(o => $"{o.Mount}/{o.Name}").ToArray();
        FailedRoles = summary.Outcomes.Where(o => o.Error is not null).Select(o => $"{o.Mount}/{o.Name}").ToArray();
    }

    public int Rotated { get; }
    public int Failed { get; }
    public string[] RotatedRoles { get; }
    public string[] FailedRoles { get; }

    public override string ToString() => $"{Rotated} rotated, {Failed} failed";
}
