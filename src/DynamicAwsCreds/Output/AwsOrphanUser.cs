using DynamicAwsCreds.Engine.Revoke;

namespace DynamicAwsCreds;

/// <summary>
/// An IAM user named as this module names users that no lease of this store knows, with why it is (Abandoned,
/// Expired) or is not (Foreign) this module's to remove, as its ownership marker tells.
/// </summary>
public sealed class AwsOrphanUser
{
    internal AwsOrphanUser(string path, OrphanUser orphan)
    {
        Path = path;
        UserName = orphan.User.UserName;
        Arn = orphan.User.Arn;
        CreateDate = orphan.User.CreateDate.UtcDateTime;
        Reason = orphan.Reason.ToString();
        Removable = orphan.Removable;
        StoreId = orphan.Marker?.StoreId;
        LeaseId = orphan.Marker?.LeaseId;
        Expiration = orphan.Marker?.Expiry.UtcDateTime;
    }

    public string Path { get; }
    public string UserName { get; }
    public string Arn { get; }
    public DateTime CreateDate { get; }

    /// <summary>Abandoned, Expired (both removable) or Foreign (never removed).</summary>
    public string Reason { get; }
    public bool Removable { get; }

    /// <summary>The store named by the user's ownership marker; null when it has none.</summary>
    public string? StoreId { get; }
    public string? LeaseId { get; }
    public DateTime? Expiration { get; }

    public override string ToString() => UserName;
}
