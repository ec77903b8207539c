using DynamicAwsCreds.Engine.Config.Templates;

namespace DynamicAwsCreds.Tests.Templates;

internal static class TemplateTestKit
{
    /// <summary>2009-02-13 23:31:30 UTC, the moment Vault's username templating docs use.</summary>
    public static readonly DateTimeOffset DocsTime = DateTimeOffset.FromUnixTimeSeconds(1234567890);

    /// <summary>The docs' stand-in for random characters: the alphabet in order.</summary>
    public static string Alphabet(int n) => string.Concat(Enumerable.Range(0, n).Select(i => (char)('a' + (i % 26))));

    public static readonly TemplateData Iam = new("alice", "deploy", "deploy-role", TemplateData.Iam);

    public static string Render(string template, TemplateData? data = null, DateTimeOffset? now = null) =>
        UsernameTemplateProgram.Parse(template).Render(data ?? Iam, now ?? DocsTime, Alphabet);
}
