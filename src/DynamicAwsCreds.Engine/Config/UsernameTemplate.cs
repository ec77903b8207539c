using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using DynamicAwsCreds.Engine.Config.Templates;

namespace DynamicAwsCreds.Engine.Config;

/// <summary>
/// A mount's username template: the root config's <c>username_template</c>, or Vault's default text
/// (<see cref="VaultTemplates.AwsDefault"/>) when it has none. Every name the engine makes is rendered from one.
/// </summary>
public static partial class UsernameTemplate
{
    private static readonly ConcurrentDictionary<string, UsernameTemplateProgram> Programs = new(StringComparer.Ordinal);

    [GeneratedRegex(@"[^a-zA-Z0-9+=,.@_-]", RegexOptions.CultureInvariant)]
    private static partial Regex UnsafeCharacters();

    /// <summary>The template text in force: the configured one, else Vault's default.</summary>
    public static string Effective(string? template) => template ?? VaultTemplates.AwsDefault;

    /// <summary>A display or role name with the characters IAM does not allow replaced by '_', as Vault does before templating.</summary>
    public static string DisplayName(string name) => UnsafeCharacters().Replace(name, "_");

    /// <summary>The parsed template, kept for reuse.</summary>
    /// <exception cref="TemplateException">The template does not parse.</exception>
    public static UsernameTemplateProgram Parse(string? template) => Programs.GetOrAdd(Effective(template), UsernameTemplateProgram.Parse);

    /// <summary>
    /// The text every IAM user name the template renders starts with, whatever the display name, role, time and
    /// random characters: "vault-" for Vault's default, "team-" for <c>team-{{.RoleName}}</c>, empty for a template
    /// whose output starts with a value. Found by rendering for samples that differ in each of those from their first
    /// character on, and keeping what every rendering shares; empty when the template fails to render.
    /// </summary>
    public static string LiteralPrefix(string? template)
    {
        string? shared = null;
        try
        {
            var program = Parse(template);
            foreach (var (data, now, random) in PrefixSamples)
            {
                var name = program.Render(data, now, random);
                shared = shared is null ? name : shared[..CommonLength(shared, name)];
            }
        }
        catch (TemplateException)
        {
            return string.Empty;
        }

        return shared ?? string.Empty;
    }

    // Display and role names, random characters and times (each field of a date, month and day names too) that
    // differ from their first character on, so no value a template prints can add to the shared prefix. Eight
    // samples, so even a uuid shares its first character across all of them only once in 16^7.
    private static readonly DateTimeOffset[] SampleTimes =
    [
        new(1998, 7, 9, 5, 6, 7, 123, TimeSpan.Zero),
        new(2033, 11, 23, 19, 38, 49, 456, TimeSpan.Zero),
        new(2106, 3, 15, 22, 41, 12, 789, TimeSpan.Zero),
    ];

    private static readonly (TemplateData Data, DateTimeOffset Now, Func<int, string> Random)[] PrefixSamples =
        "abcdefgh".Select((c, i) =>
        {
            var first = "AbC9xY0q"[i];
            return (new TemplateData($"{c}display", $"{(char)('s' + i)}role", $"{(char)('s' + i)}role", TemplateData.Iam),
                SampleTimes[i % SampleTimes.Length],
                (Func<int, string>)(n => n == 0 ? string.Empty : first + new string('z', n - 1)));
        }).ToArray();

    private static int CommonLength(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n])
        {
            n++;
        }

        return n;
    }
}
