using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>session_token: sts:GetSessionToken for the root credentials themselves, with the role's MFA device when it names one.</summary>
internal sealed class SessionTokenKind : StsKind
{
    public const string TypeName = "session_token";

    public override string Name => TypeName;

    /// <summary>GetSessionToken takes no name; the generated one is checked against a session name's limit.</summary>
    protected override int NameMaxLength => StsNames.SessionNameMaxLength;

    /// <summary>GetSessionToken takes no session policy.</summary>
    protected override void RefuseOtherFields(Role role)
    {
        if (role.PolicyDocument is not null)
        {
            throw RoleFields.Invalid(role, "A policy document cannot be used with credential type session_token; remove -PolicyDocument or choose another credential type.");
        }

        if (role.PolicyArns.Count > 0)
        {
            throw RoleFields.Invalid(role, "Policy ARNs cannot be used with credential type session_token; remove -PolicyArn or choose another credential type.");
        }

        RoleFields.RefuseRoleArns(role);
    }

    protected override async Task<StsCredentials> CallAsync(
        CredentialKindContext context, Role role, TimeSpan duration, StsOptions options, string name, CancellationToken ct)
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
