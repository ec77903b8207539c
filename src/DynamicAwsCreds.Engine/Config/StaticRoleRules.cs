using System.Text.RegularExpressions;

namespace DynamicAwsCreds.Engine.Config;

/// <summary>Vault's static-roles fields: the role name, the IAM user name it manages and its rotation_period.</summary>
public static partial class StaticRoleRules
{
    /// <summary>Vault's smallest rotation_period.</summary>
    public static readonly TimeSpan MinRotationPeriod = TimeSpan.FromMinutes(1);

    public static string ValidateName(string? name) => RoleRules.ValidateName(name);

    /// <summary>An IAM user name as IAM's CreateUser takes it: 1 to 64 of letters, digits and <c>+=,.@_-</c>.</summary>
    public static string ValidateUserName(string? userName)
    {
        if (string.IsNullOrEmpty(userName) || userName.Length > 64 || !UserNamePattern().IsMatch(userName))
        {
            throw new EngineException("InvalidUserName", ErrorKind.InvalidArgument, userName,
                $"'{userName}' is not an IAM user name. An IAM user name is 1 to 64 letters, digits and the characters + = , . @ _ -. Nothing was changed.");
        }

        return userName;
    }

    public static TimeSpan ValidateRotationPeriod(TimeSpan period)
    {
        if (period < MinRotationPeriod)
        {
            throw new EngineException("InvalidRotationPeriod", ErrorKind.InvalidArgument, period,
                $"-RotationPeriod {Durations.Format(period)} is shorter than the minimum of {Durations.Format(MinRotationPeriod)}. Give a period such as 1h or 720h. Nothing was changed.");
        }

        return period;
    }

    [GeneratedRegex(@"^[A-Za-z0-9+=,.@_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex UserNamePattern();
}
