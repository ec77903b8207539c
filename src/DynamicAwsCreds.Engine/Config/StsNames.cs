using DynamicAwsCreds.Engine.Config.Templates;

namespace DynamicAwsCreds.Engine.Config;

/// <summary>
/// Names the engine gives AWS principals, rendered from the mount's <see cref="UsernameTemplate"/>: IAM user names,
/// assumed-role session names and federated-user names, and AWS's length limits on each (kept here only).
/// </summary>
public static partial class StsNames
{
    /// <summary>IAM CreateUser's UserName: 1–64 characters.</summary>
    public const int IamUserNameMaxLength = 64;

    /// <summary>STS AssumeRole's RoleSessionName: 2–64 characters.</summary>
    public const int SessionNameMinLength = 2;

    public const int SessionNameMaxLength = 64;

    /// <summary>STS GetFederationToken's Name: 2–32 characters.</summary>
    public const int FederatedNameMaxLength = 32;

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]+\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex PrincipalNamePattern();

    /// <summary>True for a name made only of the characters IAM allows in user, role and session names.</summary>
    public static bool IsPrincipalName(string name) => PrincipalNamePattern().IsMatch(name);

    public static string ValidateSessionName(string name)
    {
        if (name.Length is < SessionNameMinLength or > SessionNameMaxLength || !PrincipalNamePattern().IsMatch(name))
        {
            throw new EngineException("InvalidRoleSessionName", ErrorKind.InvalidArgument, name,
                $"'{name}' is not a valid role session name: {SessionNameMinLength}–{SessionNameMaxLength} characters of letters, digits and +=,.@_-.");
        }

        return name;
    }

    /// <summary>
    /// Checks a username template: it must parse, and for a typical display and role name its IAM output must
    /// fit <see cref="IamUserNameMaxLength"/> characters. STS names are checked when issued, before AWS is called:
    /// a template used only for IAM users need not fit them.
    /// </summary>
    public static string ValidateTemplate(string template)
    {
        Render(Parse(template), new TemplateData("token", "developer-access", "developer-access", TemplateData.Iam), DateTimeOffset.UtcNow, IamUserNameMaxLength);
        return template;
    }

    public static string GenerateUserName(string? template, string displayName, Role role, DateTimeOffset now) =>
        Render(Parse(template), Data(displayName, role, TemplateData.Iam), now, IamUserNameMaxLength);

    /// <summary>
    /// An assumed role's session name as Vault makes it: the template rendered as for an IAM user (Type "IAM", the
    /// role's name as PolicyName), at most <see cref="SessionNameMaxLength"/> characters.
    /// </summary>
    public static string SessionName(string? template, string displayName, Role role, DateTimeOffset now) =>
        Render(Parse(template), Data(displayName, role, TemplateData.Iam), now, SessionNameMaxLength);

    /// <summary>A federated user's name as Vault makes it: the template rendered for STS (Type "STS"), at most <see cref="FederatedNameMaxLength"/> characters.</summary>
    public static string FederatedName(string? template, string displayName, Role role, DateTimeOffset now) =>
        Render(Parse(template), Data(displayName, role, TemplateData.Sts), now, FederatedNameMaxLength);

    private static TemplateData Data(string displayName, Role role, string type)
    {
        var name = UsernameTemplate.DisplayName(role.Name);
        return new TemplateData(UsernameTemplate.DisplayName(displayName), name, name, type);
    }

    private static UsernameTemplateProgram Parse(string? template)
    {
        try
        {
            return UsernameTemplate.Parse(template);
        }
        catch (TemplateException ex)
        {
            throw new EngineException("InvalidUsernameTemplate", ErrorKind.InvalidArgument, template,
                $"The username template is not valid: {ex.Message}", ex);
        }
    }

    private static string Render(UsernameTemplateProgram program, TemplateData data, DateTimeOffset now, int max)
    {
        string name;
        try
        {
            name = program.Render(data, now);
        }
        catch (TemplateException ex)
        {
            throw new EngineException("InvalidUsernameTemplate", ErrorKind.InvalidArgument, program.Source,
                $"The username template failed for {data.Type} names: {ex.Message}", ex);
        }

        if (name.Length == 0 || name.Length > max || !PrincipalNamePattern().IsMatch(name))
        {
            throw new EngineException("InvalidUsernameTemplate", ErrorKind.InvalidArgument, program.Source,
                $"The username template gives '{name}' for {data.Type} names ({name.Length} characters); AWS allows 1–{max} characters of letters, digits and +=,.@_-. Add '| truncate {max}' or shorten it.");
        }

        return name;
    }
}
