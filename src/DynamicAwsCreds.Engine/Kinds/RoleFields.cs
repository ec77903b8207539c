using DynamicAwsCreds.Engine.Config;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>
/// Refusals of role fields that belong to another credential kind, each worded after the kinds that take the field.
/// Like Vault's role validation, each check adds to a <see cref="RoleProblems"/> rather than stopping at the first,
/// so one refusal names everything wrong with the role.
/// </summary>
internal static class RoleFields
{
    public static void RefuseRoleArns(Role role, RoleProblems problems)
    {
        if (role.RoleArns.Count > 0)
        {
            problems.Add("-RoleArn (role_arns) is only valid with credential type assumed_role.");
        }
    }

    /// <summary>session_tags and external_id go with AssumeRole only, as in Vault.</summary>
    public static void RefuseAssumeRoleFields(Role role, RoleProblems problems)
    {
        if (role.SessionTags.Count > 0)
        {
            problems.Add("-SessionTag (session_tags) is only valid with credential type assumed_role.");
        }

        if (role.ExternalId is not null)
        {
            problems.Add("-ExternalId (external_id) is only valid with credential type assumed_role.");
        }
    }

    public static void RefuseIamUserFields(Role role, RoleProblems problems)
    {
        if (role.UserPath is not null)
        {
            problems.Add("-UserPath (user_path) is only valid with credential type iam_user.");
        }

        if (role.PermissionsBoundaryArn is not null)
        {
            problems.Add("-PermissionsBoundaryArn (permissions_boundary_arn) is only valid with credential type iam_user.");
        }

        if (role.IamTags.Count > 0)
        {
            problems.Add("-IamTag (iam_tags) is only valid with credential type iam_user.");
        }
    }

    public static void RefuseStsTtls(Role role, RoleProblems problems)
    {
        if (role.DefaultStsTtl is not null || role.MaxStsTtl is not null)
        {
            problems.Add("-DefaultStsTtl and -MaxStsTtl are only valid with the STS credential types; iam_user leases follow Set-AwsLeaseConfig.");
        }
    }

    public static EngineException Invalid(Role role, string message) =>
        new("InvalidRoleParameter", ErrorKind.InvalidArgument, role.Name, message);
}

/// <summary>
/// Everything wrong with one role, gathered before refusing it. One problem is thrown as it is (keeping its own
/// reason); several become one InvalidRoleParameter error that lists them all.
/// </summary>
internal sealed class RoleProblems(Role role)
{
    private readonly List<EngineException> _problems = [];

    /// <summary>A field that does not go with the role's credential type (InvalidRoleParameter).</summary>
    public void Add(string message) => _problems.Add(RoleFields.Invalid(role, message));

    public void Add(EngineException problem) => _problems.Add(problem);

    public void ThrowIfAny()
    {
        switch (_problems.Count)
        {
            case 0:
                return;
            case 1:
                throw _problems[0];
            default:
                var lines = string.Join(Environment.NewLine, _problems.Select(p => "- " + p.Message));
                throw new EngineException("InvalidRoleParameter", ErrorKind.InvalidArgument, role.Name,
                    $"Role '{role.Name}' ({role.CredentialType}) has {_problems.Count} problems; nothing was changed:{Environment.NewLine}{lines}");
        }
    }
}
