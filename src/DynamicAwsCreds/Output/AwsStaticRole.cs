using DynamicAwsCreds.Engine.StaticRoles;

namespace DynamicAwsCreds;

/// <summary>A static role: the IAM user whose key the module manages, its period and current key id (Get-AwsStaticRole, Set-AwsStaticRole -PassThru). Never a secret.</summary>
public sealed class AwsStaticRole
{
    internal AwsStaticRole(StaticRole r)
    {
        Name = r.Name;
        Path = r.Mount;
        UserName = r.UserName;
        RotationPeriod = r.RotationPeriod;
        AccessKey = r.AccessKeyId;
        LastRotated = r.LastRotated.UtcDateTime;
        NextRotation = r.NextRotation.UtcDateTime;
    }

    public string Name { get; }
    public string Path { get; }
    public string UserName { get; }

    public TimeSpan RotationPeriod { get; }
    public string AccessKey { get; }
    public DateTime LastRotated { get; }
    public DateTime NextRotation { get; }

    public override string ToString() => $"{Path}/static-roles/{Name}";
}
