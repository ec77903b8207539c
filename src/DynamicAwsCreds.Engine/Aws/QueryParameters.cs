namespace DynamicAwsCreds.Engine.Aws;

/// <summary>Building Query-protocol parameter lists: absent values are left out, lists become <c>Name.member.N</c>.</summary>
internal static class QueryParameters
{
    public static List<KeyValuePair<string, string>> Of(params (string Name, string? Value)[] values) =>
        values.Where(v => v.Value is not null).Select(v => new KeyValuePair<string, string>(v.Name, v.Value!)).ToList();

    public static void AddTags(List<KeyValuePair<string, string>> parameters, IReadOnlyDictionary<string, string>? tags)
    {
        var n = 0;
        foreach (var (key, value) in (tags ?? new Dictionary<string, string>()).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            n++;
            parameters.Add(new($"Tags.member.{n}.Key", key));
            parameters.Add(new($"Tags.member.{n}.Value", value));
        }
    }

    /// <summary>STS's <c>PolicyArns.member.N.arn</c>.</summary>
    public static void AddPolicyArns(List<KeyValuePair<string, string>> parameters, IReadOnlyList<string>? arns)
    {
        for (var i = 0; i < (arns?.Count ?? 0); i++)
        {
            parameters.Add(new($"PolicyArns.member.{i + 1}.arn", arns![i]));
        }
    }
}
