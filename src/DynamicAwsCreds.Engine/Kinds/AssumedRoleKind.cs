using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>assumed_role: sts:AssumeRole on one of the role's role ARNs, with its session policy, tags, external id and MFA.</summary>
internal sealed class AssumedRoleKind : StsKind
{
    public const string TypeName = "assumed_role";

    public override string Name => TypeName;

    /// <summary>AssumeRole's DurationSeconds: at most 12 hours, and at most the role's MaxSessionDuration (AWS checks that).</summary>
    protected override TimeSpan MaxTtl => TimeSpan.FromHours(12);

    protected override string DurationHint =>
        "Ask for a shorter -Ttl (or lower the role's -DefaultStsTtl/-MaxStsTtl), or raise the IAM role's MaxSessionDuration; a role assumed with credentials of another assumed role (role chaining) lasts at most 1 hour.";

    /// <summary>Takes the role ARNs, session tags and external id no other kind takes; the iam_user fields are refused for every STS kind.</summary>
    protected override void RefuseOtherFields(Role role, RoleProblems problems)
    {
    }

    /// <summary>-RoleSessionName when given; else Vault's: the template rendered as for an IAM user (Type "IAM"), at most 64 characters.</summary>
    protected override string? PrincipalName(string? template, string displayName, Role role, StsOptions options, DateTimeOffset now) =>
        options.RoleSessionName ?? StsNames.SessionName(template, displayName, role, now);

    protected override async Task<StsCredentials> CallAsync(
        CredentialKindContext context, Role role, TimeSpan duration, StsOptions options, string? name, CancellationToken ct)
    {
        var roleArn = ChooseRoleArn(role, options.RoleArn);
        var (policy, arns) = await SessionPolicy.ForRoleAsync(context.Iam, role, ct).ConfigureAwait(false);
        var request = new StsRequest(duration, policy, arns, role.SessionTags.Count > 0 ? role.SessionTags : null,
            role.MfaSerialNumber, options.MfaCode);
        return await context.Sts.AssumeRoleAsync(request, roleArn, name!, role.ExternalId, ct).ConfigureAwait(false);
    }

    protected override string? LeaseRoleArn(StsCredentials credentials) => credentials.PrincipalArn;

    /// <summary>Vault's rule: -RoleArn must be one of the role's ARNs; with several and none given, the caller must choose.</summary>
    private static string ChooseRoleArn(Role role, string? requested)
    {
        if (requested is not null)
        {
            if (!role.RoleArns.Contains(requested, StringComparer.Ordinal))
            {
                throw new EngineException("RoleArnNotAllowed", ErrorKind.InvalidArgument, requested,
                    $"'{requested}' is not one of the role ARNs of role '{role.Name}': {string.Join(", ", role.RoleArns)}.");
            }

            return requested;
        }

        return role.RoleArns.Count switch
        {
            1 => role.RoleArns[0],
            0 => throw new EngineException("RoleArnMissing", ErrorKind.InvalidOperation, role.Name,
                $"Role '{role.Name}' (assumed_role) has no role ARN. Add one with Set-AwsRole {role.Name} -RoleArn <arn>."),
            _ => throw new EngineException("RoleArnRequired", ErrorKind.InvalidArgument, role.Name,
                $"Role '{role.Name}' lists several role ARNs; choose one with -RoleArn: {string.Join(", ", role.RoleArns)}."),
        };
    }
}
