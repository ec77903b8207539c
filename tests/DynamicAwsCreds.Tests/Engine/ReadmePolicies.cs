using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>
/// The root-credential policies exactly as README.md documents them, so tests run under what users are told to use:
/// the first fenced json block under "The IAM policy for the root credentials" (the walkthrough's policy) and the
/// second (the extra statements per feature), with ACCOUNT-ID replaced.
/// </summary>
internal static partial class ReadmePolicies
{
    private const string Heading = "## The IAM policy for the root credentials";

    public static string Base(string accountId) => Blocks(accountId)[0];

    public static string Extras(string accountId) => Blocks(accountId)[1];

    /// <summary>One policy with the statements of both blocks, and any more given.</summary>
    public static string Combined(string accountId, params string[] moreStatements)
    {
        var statements = new JsonArray();
        foreach (var block in Blocks(accountId))
        {
            foreach (var s in JsonNode.Parse(block)!["Statement"]!.AsArray())
            {
                statements.Add(s!.DeepClone());
            }
        }

        foreach (var s in moreStatements)
        {
            statements.Add(JsonNode.Parse(s));
        }

        return new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = statements }.ToJsonString();
    }

    private static string[] Blocks(string accountId)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var start = readme.IndexOf(Heading, StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException($"README.md has no '{Heading}' section.");
        }

        var next = readme.IndexOf("\n#", start + Heading.Length, StringComparison.Ordinal);
        var section = next < 0 ? readme[start..] : readme[start..next];
        var blocks = JsonBlock().Matches(section).Select(m => m.Groups[1].Value.Replace("ACCOUNT-ID", accountId, StringComparison.Ordinal)).ToArray();
        return blocks.Length >= 2 ? blocks : throw new InvalidOperationException("README.md's root policy section should hold two ```json blocks (the policy and its extras).");
    }

    [GeneratedRegex("```json\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "README.md")) && File.Exists(Path.Combine(dir.FullName, "DynamicAwsCreds.psd1")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (README.md beside DynamicAwsCreds.psd1) was not found above " + AppContext.BaseDirectory);
    }
}
