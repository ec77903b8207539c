using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>assumed_role: sts:AssumeRole on one of the role's role ARNs, with its session policy, tags, external id and MFA.</summary>
internal sealed class AssumedRoleKind : StsKind
{
    public const string TypeName = "assumed_role";

    public override string Name => TypeName;

    protected override int NameMaxLength => StsNames.SessionNameMaxLength;

    /// <summary>Takes the role ARNs no other kind takes; the iam_user fields are refused for every STS kind.</summary>
    protected override void RefuseOtherFields(Role role)
    {
    }

    protected override async Task<StsCredentials> CallAsync(
        CredentialKindContext context, Role role, TimeSpan duration, StsOptions options, string name, CancellationToken ct)
    {
        var roleArn = ChooseRoleArn(role, options.RoleArn);
        var (policy, arns) = await SessionPolicy.ForRoleAsync(context.Iam, role, ct).ConfigureAwait(false);
        var request = new StsRequest(duration, policy, arns, role.SessionTags.Count > 0 ? role.SessionTags : null,
            role.MfaSerialNumber, options.MfaCode);
        return await context.Sts.AssumeRoleAsync(request, roleArn, options.RoleSessionName ?? name, role.ExternalId, ct).ConfigureAwait(false);
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
