namespace DynamicAwsCreds.Engine.Store;

/// <summary>
/// A static role as stored: the existing IAM user whose access key this store manages, how often the key is rotated,
/// the current managed key (its secret only ever as sealed), and the key a rotation replaced until it is deleted.
/// </summary>
public sealed record StaticRoleRecord(
    string Mount,
    string Name,
    string UserName,
    TimeSpan RotationPeriod,
    string AccessKeyId,
    byte[] SecretKeyCiphertext,
    string? PreviousAccessKeyId,
    DateTimeOffset LastRotated,
    DateTimeOffset NextRotation);
