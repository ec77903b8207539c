namespace DynamicAwsCreds;

/// <summary>An IAM user that looks issued by this module but that no lease knows.</summary>
public sealed class AwsOrphanUser(string path, string userName, string arn, DateTime createDate)
{
    public string Path { get; } = path;
    public string UserName { get; } = userName;
    public string Arn { get; } = arn;
    public DateTime CreateDate { get; } = createDate;

    public override string ToString() => UserName;
}
