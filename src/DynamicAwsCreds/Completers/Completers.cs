using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;

namespace DynamicAwsCreds;

/// <summary>Tab completion from the store. A completer never throws: no store, no suggestions.</summary>
public abstract class StoreCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var word = wordToComplete.Trim('\'', '"');
            var pattern = new WildcardPattern(word + "*", WildcardOptions.IgnoreCase);
            var path = (fakeBoundParameters["Path"] ?? fakeBoundParameters["Mount"]) as string;
            return Candidates(EngineRegistry.For(Runspace.DefaultRunspace), path, parameterName, fakeBoundParameters)
                .Where(pattern.IsMatch)
                .Take(200)
                .Select(c => new CompletionResult(Quote(c), c, CompletionResultType.ParameterValue, c))
                .ToList();
        }
        catch (Exception)
        {
            return [];
        }
    }

    internal abstract IEnumerable<string> Candidates(Engine.CredsEngine engine, string? path, string parameterName, IDictionary bound);

    private static string Quote(string s) => s.Any(ch => char.IsWhiteSpace(ch) || ch is '\'' or '"' or '$' or '`') ? "'" + s.Replace("'", "''") + "'" : s;
}

public sealed class MountPathCompleter : StoreCompleter
{
    internal override IEnumerable<string> Candidates(Engine.CredsEngine engine, string? path, string parameterName, IDictionary bound) => engine.GetMounts().Select(m => m.Path);
}

public sealed class RoleNameCompleter : StoreCompleter
{
    internal override IEnumerable<string> Candidates(Engine.CredsEngine engine, string? path, string parameterName, IDictionary bound) => engine.GetRoles(path).Select(r => r.Name);
}

public sealed class StaticRoleNameCompleter : StoreCompleter
{
    internal override IEnumerable<string> Candidates(Engine.CredsEngine engine, string? path, string parameterName, IDictionary bound) => engine.GetStaticRoles(path).Select(r => r.Name);
}

public sealed class LeaseIdCompleter : StoreCompleter
{
    /// <summary>Lease ids; for -Prefix also every path they share ("aws/", "aws/creds/dev/"), shortest first.</summary>
    internal override IEnumerable<string> Candidates(Engine.CredsEngine engine, string? path, string parameterName, IDictionary bound)
    {
        var ids = engine.ListLeases(null).Select(l => l.LeaseId).ToList();
        if (!string.Equals(parameterName, "Prefix", StringComparison.OrdinalIgnoreCase))
        {
            return ids;
        }

        var prefixes = ids.SelectMany(id => id.Select((ch, i) => (ch, i)).Where(x => x.ch == '/').Select(x => id[..(x.i + 1)]))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(p => p.Length).ThenBy(p => p, StringComparer.Ordinal);
        return prefixes.Concat(ids);
    }
}

/// <summary>-RoleArn of a credential request: the role ARNs of the role already typed (-Role, or the first position).</summary>
public sealed class RoleArnCompleter : StoreCompleter
{
    internal override IEnumerable<string> Candidates(Engine.CredsEngine engine, string? path, string parameterName, IDictionary bound) =>
        bound["Role"] is string role && role.Length > 0 ? engine.GetRole(path, role).RoleArns : [];
}

/// <summary>Completes from a fixed list; validation stays in the engine so bad input gets a DynamicAwsCreds error id.</summary>
public abstract class FixedCompleter(IReadOnlyList<string> values) : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        values.Where(t => t.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase)).Select(t => new CompletionResult(t));
}

public sealed class EngineTypeCompleter() : FixedCompleter(Engine.Config.Mount.SupportedTypes);

public sealed class CredentialTypeCompleter() : FixedCompleter(Engine.Kinds.CredentialKinds.Names);

public sealed class ExportFormatCompleter() : FixedCompleter(Cmdlets.ExportFormats.All);
