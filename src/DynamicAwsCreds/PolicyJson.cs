using System.Collections;
using System.Management.Automation;
using System.Text.Json;
using DynamicAwsCreds.Engine;

namespace DynamicAwsCreds;

/// <summary>A policy document as PowerShell users give it: a JSON string, or a hashtable / PSCustomObject tree.</summary>
internal static class PolicyJson
{
    public static string From(object input)
    {
        var raw = input is PSObject pso && pso.BaseObject is not PSCustomObject ? pso.BaseObject : input;
        if (raw is string json)
        {
            return json;
        }

        if (raw is IDictionary or PSObject)
        {
            return JsonSerializer.Serialize(ToPlain(raw, 0));
        }

        throw new EngineException("InvalidPolicyDocument", ErrorKind.InvalidArgument, "PolicyDocument",
            $"-PolicyDocument takes a JSON string or a hashtable, not a {raw.GetType().Name}.");
    }

    private static object? ToPlain(object? value, int depth)
    {
        if (depth > 32)
        {
            throw new EngineException("InvalidPolicyDocument", ErrorKind.InvalidArgument, "PolicyDocument", "-PolicyDocument is nested too deeply.");
        }

        switch (value is PSObject p && p.BaseObject is not PSCustomObject ? p.BaseObject : value)
        {
            case null:
                return null;
            case string or bool or int or long or double or decimal:
                return value is PSObject inner ? inner.BaseObject : value;
            case IDictionary dict:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (DictionaryEntry e in dict)
                {
                    map[Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture)!] = ToPlain(e.Value, depth + 1);
                }

                return map;
            case PSObject obj:
                var props = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var prop in obj.Properties)
                {
                    props[prop.Name] = ToPlain(prop.Value, depth + 1);
                }

                return props;
            case IEnumerable list:
                return list.Cast<object?>().Select(v => ToPlain(v, depth + 1)).ToList();
            default:
                return Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
