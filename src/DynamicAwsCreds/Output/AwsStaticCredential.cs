using DynamicAwsCreds.Engine.StaticRoles;

namespace DynamicAwsCreds;

/// <summary>
/// The current key of a static role (Get-AwsStaticCredential). AccessKey and SecretKey bind by property name into
/// Set-AWSCredential, as Get-AwsCredential's output does; no property here shares a name with another of its
/// parameters. No formatting shows SecretKey: the view (DynamicAwsCreds.format.ps1xml), the default display property
/// set (<see cref="DefaultDisplay"/>) and ToString() leave it out.
/// </summary>
public sealed class AwsStaticCredential
{
    internal AwsStaticCredential(StaticCredential c)
    {
        Name = c.Name;
        Mount = c.Mount;
        UserName = c.UserName;
        AccessKey = c.AccessKeyId;
        SecretKey = c.SecretAccessKey;
        LastRotated = c.LastRotated.UtcDateTime;
        Expiration = c.NextRotation.UtcDateTime;
    }

    public string Name { get; }
    public string Mount { get; }
    public string UserName { get; }
    public string AccessKey { get; }
    public string SecretKey { get; }
    public DateTime LastRotated { get; }

    /// <summary>The next rotation: the key is replaced (and deleted) then or at the first request after.</summary>
    public DateTime Expiration { get; }

    public override string ToString() => $"{Mount}/static-creds/{Name} ({AccessKey})";
}
