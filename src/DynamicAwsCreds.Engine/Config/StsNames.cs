using System.Collections.Concurrent;
using DynamicAwsCreds.Engine.Config.Templates;

namespace DynamicAwsCreds.Engine.Config;

/// <summary>
/// Names the engine gives AWS principals: IAM user names (≤ 64), assumed-role session names (≤ 64) and
/// federated-user names (≤ 32), from the root config's username template or Vault's default.
/// </summary>
public static partial class StsNames
{
    public const int IamUserNameMaxLength = 64;
    public const int SessionNameMaxLength = 64;
    public const int FederatedNameMaxLength = 32;

    private static readonly ConcurrentDictionary<string, UsernameTemplateProgram> Programs = new(StringComparer.Ordinal);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]{2,64}\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex SessionNamePattern();

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]+\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex PrincipalNamePattern();

    /// <summary>True for a name made only of the characters IAM allows in user, role and session names.</summary>
    public static bool IsPrincipalName(string name) => PrincipalNamePattern().IsMatch(name);

    public static string ValidateSessionName(string name)
    {
        if (!SessionNamePattern().IsMatch(name))
        {
            throw new EngineException("InvalidRoleSessionName", ErrorKind.InvalidArgument, name,
                $"'{name}' is not a valid role session name: 2–64 characters of letters, digits and +=,.@_-.");
        }

        return name;
    }

    /// <summary>
    /// Checks a username template: it must parse, and for a typical display and role name its IAM output must
    /// fit 64 characters. STS names (≤ 64, a federated user's ≤ 32) are checked when issued, before AWS is called:
    /// a template used only for IAM users need not fit them.
    /// </summary>
    public static string ValidateTemplate(string template)
    {
        Render(Parse(template), new TemplateData("token", "developer-access", "developer-access", TemplateData.Iam), DateTimeOffset.UtcNow, IamUserNameMaxLength);
        return template;
    }

    public static string GenerateUserName(string? template, string displayName, Role role, DateTimeOffset now) =>
        template is null
            ? UsernameTemplate.IamUserName(displayName, role.Name, now)
            : Render(Parse(template), Data(displayName, role, TemplateData.Iam), now, IamUserNameMaxLength);

    /// <summary>The STS name (a session name, a federated user's name), at most <paramref name="maxLength"/> characters when the template renders it.</summary>
    public static string Generate(string? template, string displayName, Role role, DateTimeOffset now, int maxLength) =>
        template is null
            ? UsernameTemplate.StsName(now)
            : Render(Parse(template), Data(displayName, role, TemplateData.Sts), now, maxLength);

    private static TemplateData Data(string displayName, Role role, string type)
    {
        var name = UsernameTemplate.DisplayName(role.Name);
        return new TemplateData(UsernameTemplate.DisplayName(displayName), name, name, type);
    }

    private static UsernameTemplateProgram Parse(string template)
    {
        try
        {
            return Programs.GetOrAdd(template, UsernameTemplateProgram.Parse);
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
