using DynamicAwsCreds.Engine.Config;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>Refusals of role fields that belong to another credential kind, each worded after the kinds that take the field.</summary>
internal static class RoleFields
{
    public static void RefuseRoleArns(Role role)
    {
        if (role.RoleArns.Count > 0)
        {
            throw Invalid(role, "-RoleArn is only valid with credential type assumed_role.");
        }
    }

    public static void RefuseIamUserFields(Role role)
    {
        if (role.UserPath is not null || role.PermissionsBoundaryArn is not null || role.IamTags.Count > 0)
        {
            throw Invalid(role, "-UserPath, -PermissionsBoundaryArn and -IamTag are only valid with credential type iam_user.");
        }
    }

    public static void RefuseStsTtls(Role role)
    {
        if (role.DefaultStsTtl is not null || role.MaxStsTtl is not null)
        {
            throw Invalid(role, "-DefaultStsTtl and -MaxStsTtl are only valid with the STS credential types; iam_user leases follow Set-AwsLeaseConfig.");
        }
    }

    public static EngineException Invalid(Role role, string message) =>
        new("InvalidRoleParameter", ErrorKind.InvalidArgument, role.Name, message);
}
