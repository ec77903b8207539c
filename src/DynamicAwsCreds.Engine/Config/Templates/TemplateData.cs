namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>
/// The fields a username template can read: <c>.DisplayName</c>, <c>.PolicyName</c>, <c>.RoleName</c> and <c>.Type</c>.
/// </summary>
/// <remarks>
/// Vault normalises the display and policy names (characters outside <c>[a-zA-Z0-9+=,.@_-]</c> become <c>_</c>)
/// before templating; callers do the same, for example with <see cref="UsernameTemplate.DisplayName"/>.
/// </remarks>
/// <param name="Type"><see cref="Iam"/> or <see cref="Sts"/>.</param>
public sealed record TemplateData(string DisplayName, string PolicyName, string RoleName, string Type)
{
    public const string Iam = "IAM";
    public const string Sts = "STS";
}
