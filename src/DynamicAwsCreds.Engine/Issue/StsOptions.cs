namespace DynamicAwsCreds.Engine.Issue;

/// <summary>What a caller may add to an STS request: Vault's role_arn, role_session_name and mfa_code.</summary>
public sealed record StsOptions(string? RoleArn = null, string? RoleSessionName = null, string? MfaCode = null);
