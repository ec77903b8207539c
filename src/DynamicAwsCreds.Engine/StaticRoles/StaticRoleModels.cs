using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.StaticRoles;

/// <summary>A static role as Get-AwsStaticRole shows it: never its secret.</summary>
public sealed record StaticRole(
    string Mount, string Name, string UserName, TimeSpan RotationPeriod, string AccessKeyId, DateTimeOffset LastRotated, DateTimeOffset NextRotation)
{
    internal static StaticRole Of(StaticRoleRecord r) =>
        new(r.Mount, r.Name, r.UserName, r.RotationPeriod, r.AccessKeyId, r.LastRotated, r.NextRotation);
}

/// <summary>Vault's static-creds: the current managed key of a static role and when it is next rotated.</summary>
public sealed record StaticCredential(
    string Mount, string Name, string UserName, string AccessKeyId, string SecretAccessKey, DateTimeOffset LastRotated, DateTimeOffset NextRotation);

/// <summary>One static role a sweep rotated, or failed to (<see cref="Error"/>).</summary>
public sealed record StaticRotationOutcome(string Mount, string Name, string? AccessKeyId, EngineException? Error);

/// <summary>What Update-AwsStaticCredential -Due did.</summary>
public sealed record StaticRotationSummary(int Rotated, int Failed, IReadOnlyList<StaticRotationOutcome> Outcomes);
