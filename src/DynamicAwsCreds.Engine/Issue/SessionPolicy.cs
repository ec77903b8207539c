using System.Text.Json;
using System.Text.Json.Nodes;
using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;

namespace DynamicAwsCreds.Engine.Issue;

/// <summary>
/// The session policy of an STS request: the role's document merged with the inline policies of its IAM groups,
/// and its policy ARNs with the groups' attached ones (Vault's iam_groups for STS roles).
/// </summary>
internal static class SessionPolicy
{
    public static async Task<(string? Policy, IReadOnlyList<string> Arns)> ForRoleAsync(IIamApi iam, Role role, CancellationToken ct)
    {
        var documents = new List<string>();
        if (role.PolicyDocument is not null)
        {
            documents.Add(role.PolicyDocument);
        }

        var arns = new List<string>(role.PolicyArns);
        foreach (var group in role.IamGroups)
        {
            var attached = iam.ListAttachedGroupPoliciesAsync(group, ct);
            var inlineNames = await iam.ListGroupPoliciesAsync(group, ct).ConfigureAwait(false);
            var inline = await Task.WhenAll(inlineNames.Select(n => iam.GetGroupPolicyAsync(group, n, ct))).ConfigureAwait(false);
            documents.AddRange(inline);
            arns.AddRange((await attached.ConfigureAwait(false)).Select(p => p.PolicyArn));
        }

        return (Merge(documents), arns.Distinct(StringComparer.Ordinal).ToList());
    }

    internal static string? Merge(IReadOnlyList<string> documents)
    {
        if (documents.Count <= 1)
        {
            return documents.Count == 0 ? null : documents[0];
        }

        var statements = new JsonArray();
        foreach (var document in documents)
        {
            var node = JsonNode.Parse(document)?["Statement"];
            foreach (var statement in node is JsonArray list ? list.ToList() : [node])
            {
                if (statement is not null)
                {
                    statements.Add(statement.DeepClone());
                }
            }
        }

        return new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = statements }.ToJsonString(new JsonSerializerOptions
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
    }
}
