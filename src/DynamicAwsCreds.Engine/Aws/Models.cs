namespace DynamicAwsCreds.Engine.Aws;

public sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    public override string ToString() => $"AwsCredentials {{ AccessKeyId = {AccessKeyId} }}";
}

/// <summary>One HTTP attempt, for -Verbose output. Holds no secret and no parameter value but the target.</summary>
public sealed record AwsCallRecord(
    string Service, string Action, string? Target, int? StatusCode, string? ErrorCode, TimeSpan Elapsed, int Attempt);

public sealed record IamUser(string UserName, string UserId, string Arn, string Path, DateTimeOffset CreateDate);

public sealed record AttachedPolicy(string PolicyName, string PolicyArn);

public sealed record IamAccessKey(
    string UserName, string AccessKeyId, string SecretAccessKey, string Status, DateTimeOffset CreateDate)
{
    public override string ToString() =>
        $"IamAccessKey {{ UserName = {UserName}, AccessKeyId = {AccessKeyId}, Status = {Status}, CreateDate = {CreateDate:O} }}";
}

public sealed record IamAccessKeyMetadata(string UserName, string AccessKeyId, string Status, DateTimeOffset CreateDate);

public sealed record CallerIdentity(string Account, string Arn, string UserId);
