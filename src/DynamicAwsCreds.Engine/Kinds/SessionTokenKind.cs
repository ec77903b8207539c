using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>session_token: sts:GetSessionToken for the root credentials themselves, with the role's MFA device when it names one.</summary>
internal sealed class SessionTokenKind : StsKind
{
    public const string TypeName = "session_token";

    public override string Name => TypeName;

    /// <summary>GetSessionToken's DurationSeconds: up to 36 hours for an IAM user (AWS cuts the account's root user to 1 hour).</summary>
    protected override TimeSpan MaxTtl => TimeSpan.FromHours(36);

    protected override string DurationHint => "Ask for a shorter -Ttl (or lower the role's -DefaultStsTtl/-MaxStsTtl).";

    /// <summary>GetSessionToken takes no session policy, and no name.</summary>
    protected override void RefuseOtherFields(Role role, RoleProblems problems)
    {
        if (role.PolicyDocument is not null)
        {
            problems.Add("A policy document cannot be used with credential type session_token; remove -PolicyDocument or choose another credential type.");
        }

        if (role.PolicyArns.Count > 0)
        {
            problems.Add("Policy ARNs cannot be used with credential type session_token; remove -PolicyArn or choose another credential type.");
        }

        RoleFields.RefuseRoleArns(role, problems);
        RoleFields.RefuseAssumeRoleFields(role, problems);
    }

    protected override string? PrincipalName(string? template, string displayName, Role role, StsOptions options, DateTimeOffset now) => null;

    protected override async Task<StsCredentials> CallAsync(
        CredentialKindContext context, Role role, TimeSpan duration, StsOptions options, string? name, CancellationToken ct)
    {
        if (role.MfaSerialNumber is not null && string.IsNullOrEmpty(options.MfaCode))
        {
            throw new EngineException("MfaCodeRequired", ErrorKind.InvalidArgument, role.Name,
                $"Role '{role.Name}' requires MFA ({role.MfaSerialNumber}). Pass the current code with -MfaCode.");
        }

        return await context.Sts.GetSessionTokenAsync(duration, role.MfaSerialNumber, role.MfaSerialNumber is null ? null : options.MfaCode, ct)
            .ConfigureAwait(false);
    }
}
