using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace LocalAws;

/// <summary>One authenticated request: its parameters, caller and LocalAws's idea of now. Helpers throw AWS-shaped errors.</summary>
internal sealed partial class IamContext(IamState state, Dictionary<string, string> parameters, UserEntity? caller, SessionEntity? session, DateTime now, LocalAwsOptions options, string service, string action)
{
    public IamState State { get; } = state;
    public Dictionary<string, string> P { get; } = parameters;

    /// <summary>
    /// The IAM user the request speaks as: a long-term key's user, or the user behind GetSessionToken credentials.
    /// Null for an assumed role or a federated user, which are not IAM users.
    /// </summary>
    public UserEntity? Caller { get; } = caller;

    /// <summary>The temporary credentials the request was signed with, or null for a long-term key.</summary>
    public SessionEntity? Session { get; } = session;
    public DateTime Now { get; } = new(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    public LocalAwsOptions Options { get; } = options;
    public string Service { get; } = service;
    public string Action { get; } = action;
    public string Account => State.AccountId;

    /// <summary>What GetCallerIdentity returns as Arn: the user, assumed-role or federated-user ARN.</summary>
    public string CallerArn => Session is { } s ? s.Arn(Account) : Caller!.Arn(Account);

    /// <summary>What GetCallerIdentity returns as UserId.</summary>
    public string CallerUserId => Session is { } s ? s.UserId(Account) : Caller!.Id;

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^((/)|(/[\u0021-\u007E]+/))$")]
    private static partial Regex PathPattern();

    [GeneratedRegex(@"^/[\u0021-\u007F]*$")]
    private static partial Regex PathPrefixPattern();

    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$")]
    private static partial Regex TagKeyPattern();

    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$")]
    private static partial Regex TagValuePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_]+$")]
    private static partial Regex IdPattern();

    public static XElement X(string name, params object?[] content) => new(LocalAwsServer.IamNs + name, content);

    public static string Date(DateTime d) => d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public string? Opt(string name) => P.TryGetValue(name, out var v) ? v : null;

    public static AwsError Validation(string message) => new(400, "ValidationError", "1 validation error detected: " + message);

    public string Required(string name, string member) =>
        Opt(name) ?? throw Validation($"Value null at '{member}' failed to satisfy constraint: Member must not be null");

    private static void Length(string value, string member, int min, int max)
    {
        if (value.Length < min)
        {
            throw Validation($"Value '{value}' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {min}");
        }

        if (value.Length > max)
        {
            throw Validation($"Value '{value}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}");
        }
    }

    private static void Pattern(string value, string member, Regex regex, string shown)
    {
        if (!regex.IsMatch(value))
        {
            throw Validation($"Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {shown}");
        }
    }

    /// <summary>A name such as UserName/GroupName/PolicyName: [\w+=,.@-]+ of 1..max characters.</summary>
    public string Name(string param, string member, int max)
    {
        var v = Required(param, member);
        Length(v, member, 1, max);
        Pattern(v, member, NamePattern(), @"[\w+=,.@-]+");
        return v;
    }

    public string? OptName(string param, string member, int max) => Opt(param) is null ? null : Name(param, member, max);

    public string Path(string param = "Path", string member = "path")
    {
        var v = Opt(param);
        if (v is null)
        {
            return "/";
        }

        Length(v, member, 1, 512);
        Pattern(v, member, PathPattern(), @"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)");
        return v;
    }

    public string PathPrefix()
    {
        var v = Opt("PathPrefix");
        if (v is null)
        {
            return "/";
        }

        Length(v, "pathPrefix", 1, 512);
        Pattern(v, "pathPrefix", PathPrefixPattern(), @"\u002F[\u0021-\u007F]*");
        return v;
    }

    public string Id(string param, string member, int min, int max)
    {
        var v = Required(param, member);
        Length(v, member, min, max);
        Pattern(v, member, IdPattern(), @"[\w]+");
        return v;
    }

    public string Document(string param = "PolicyDocument", string member = "policyDocument")
    {
        var v = Required(param, member);
        if (v.Length < 1 || v.Length > 131072)
        {
            Length(v, member, 1, 131072);
        }

        PolicyEvaluator.Validate(v);
        return v;
    }

    public string PolicyArnParam(string param = "PolicyArn", string member = "policyArn")
    {
        var v = Required(param, member);
        Length(v, member, 20, 2048);
        var parts = v.Split(':', 6);
        if (parts.Length < 6 || parts[0] != "arn" || parts[1].Length == 0 || parts[2].Length == 0)
        {
            throw AwsError.InvalidInput($"ARN {v} is not valid.");
        }

        return v;
    }

    public string Enum(string param, string member, params string[] allowed)
    {
        var v = Required(param, member);
        if (!allowed.Contains(v, StringComparer.Ordinal))
        {
            throw Validation($"Value '{v}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", allowed)}]");
        }

        return v;
    }

    public bool Bool(string param)
    {
        var v = Opt(param);
        return v is not null && bool.TryParse(v, out var b) && b;
    }

    /// <summary>The user by name, as other calls see it: NoSuchEntity also while a new user has not reached them (<see cref="Consistency"/>).</summary>
    public UserEntity User(string name) =>
        State.UsersByName.TryGetValue(name, out var u) && u.IsVisible ? u : throw AwsError.NoSuchEntity($"The user with name {name} cannot be found.");

    /// <summary>The UserName parameter's user or, without one, the caller (as AWS infers it from the signing key).</summary>
    public UserEntity UserOrCaller()
    {
        var name = OptName("UserName", "userName", 128);
        if (name is not null)
        {
            return User(name);
        }

        return Caller ?? throw new AwsError(400, "ValidationError", "Must specify userName when calling with non-User credentials");
    }

    public RoleEntity Role(string name) =>
        State.RolesByName.TryGetValue(name, out var r) ? r : throw AwsError.NoSuchEntity($"The role with name {name} cannot be found.");

    /// <summary>An integer parameter within [min, max], or the default when absent; ValidationError as AWS words it.</summary>
    public int IntRange(string param, string member, int min, int max, int fallback)
    {
        var v = Opt(param);
        if (v is null)
        {
            return fallback;
        }

        if (!int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            throw Validation($"Value '{v}' at '{member}' failed to satisfy constraint: Member must be a number");
        }

        if (n < min)
        {
            throw Validation($"Value '{v}' at '{member}' failed to satisfy constraint: Member must have value greater than or equal to {min}");
        }

        if (n > max)
        {
            throw Validation($"Value '{v}' at '{member}' failed to satisfy constraint: Member must have value less than or equal to {max}");
        }

        return n;
    }

    /// <summary>An optional string of min..max characters matching a pattern (shown as AWS shows it).</summary>
    public string? OptString(string param, string member, int min, int max, Regex? pattern = null, string? shown = null)
    {
        var v = Opt(param);
        if (v is null)
        {
            return null;
        }

        Length(v, member, min, max);
        if (pattern is not null)
        {
            Pattern(v, member, pattern, shown ?? pattern.ToString());
        }

        return v;
    }

    public GroupEntity Group(string name) =>
        State.GroupsByName.TryGetValue(name, out var g) ? g : throw AwsError.NoSuchEntity($"The group with name {name} cannot be found.");

    /// <summary>Tags.member.N.Key/Value (or another list prefix), validated like IAM.</summary>
    public List<KeyValuePair<string, string>> Tags(string prefix = "Tags")
    {
        var byIndex = new SortedDictionary<int, (string? Key, string? Value)>();
        var head = prefix + ".member.";
        foreach (var (k, v) in P)
        {
            if (!k.StartsWith(head, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = k[head.Length..].Split('.', 2);
            if (rest.Length != 2 || !int.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                continue;
            }

            var entry = byIndex.TryGetValue(n, out var e) ? e : (null, null);
            if (rest[1] == "Key")
            {
                entry.Key = v;
            }
            else if (rest[1] == "Value")
            {
                entry.Value = v;
            }

            byIndex[n] = entry;
        }

        var tags = new List<KeyValuePair<string, string>>();
        var i = 0;
        foreach (var (_, (key, value)) in byIndex)
        {
            i++;
            var member = $"tags.{i}.member.key";
            if (key is null)
            {
                throw Validation($"Value null at '{member}' failed to satisfy constraint: Member must not be null");
            }

            Length(key, member, 1, 128);
            Pattern(key, member, TagKeyPattern(), @"[\p{L}\p{Z}\p{N}_.:/=+\-@]+");
            var val = value ?? throw Validation($"Value null at 'tags.{i}.member.value' failed to satisfy constraint: Member must not be null");
            Length(val, $"tags.{i}.member.value", 0, 256);
            Pattern(val, $"tags.{i}.member.value", TagValuePattern(), @"[\p{L}\p{Z}\p{N}_.:/=+\-@]*");
            if (tags.Any(t => string.Equals(t.Key, key, StringComparison.OrdinalIgnoreCase)))
            {
                throw AwsError.InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
            }

            tags.Add(new(key, val));
        }

        if (tags.Count > 50)
        {
            throw Validation($"Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50");
        }

        return tags;
    }

    /// <summary>Strings of a Name.member.N list.</summary>
    public List<string> Members(string prefix)
    {
        var head = prefix + ".member.";
        return [.. P.Where(p => p.Key.StartsWith(head, StringComparison.Ordinal) && int.TryParse(p.Key[head.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .OrderBy(p => int.Parse(p.Key[head.Length..], CultureInfo.InvariantCulture))
            .Select(p => p.Value)];
    }

    /// <summary>
    /// One page of items (already in their listing order) by MaxItems/Marker. The marker is opaque: it names
    /// the last key returned, so a page stays right when earlier items are deleted between calls.
    /// </summary>
    public (List<T> Page, object[] Tail) Paginate<T>(IEnumerable<T> ordered, Func<T, string> key)
    {
        var maxItems = 100;
        if (Opt("MaxItems") is { } m)
        {
            if (!int.TryParse(m, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out maxItems))
            {
                throw Validation($"Value '{m}' at 'maxItems' failed to satisfy constraint: Member must be a number");
            }

            if (maxItems < 1)
            {
                throw Validation($"Value '{m}' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1");
            }

            if (maxItems > 1000)
            {
                throw Validation($"Value '{m}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000");
            }
        }

        IEnumerable<T> items = ordered;
        if (Opt("Marker") is { } marker)
        {
            string after;
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(marker));
            }
            catch (FormatException)
            {
                throw Validation($"Value '{marker}' at 'marker' failed to satisfy constraint: Member must be a valid pagination marker");
            }

            if (!after.StartsWith("LA1:", StringComparison.Ordinal))
            {
                throw Validation($"Value '{marker}' at 'marker' failed to satisfy constraint: Member must be a valid pagination marker");
            }

            after = after[4..];
            items = items.Where(i => Compare(key(i), after) > 0);
        }

        var list = items.Take(maxItems + 1).ToList();
        if (list.Count <= maxItems)
        {
            return (list, [X("IsTruncated", "false")]);
        }

        list.RemoveAt(list.Count - 1);
        var next = Convert.ToBase64String(Encoding.UTF8.GetBytes("LA1:" + key(list[^1])));
        return (list, [X("IsTruncated", "true"), X("Marker", next)]);
    }

    /// <summary>The listing order: case-insensitive, then ordinal.</summary>
    public static int Compare(string a, string b)
    {
        var c = StringComparer.OrdinalIgnoreCase.Compare(a, b);
        return c != 0 ? c : string.CompareOrdinal(a, b);
    }

    public static IOrderedEnumerable<T> Ordered<T>(IEnumerable<T> items, Func<T, string> key) =>
        items.OrderBy(key, StringComparer.OrdinalIgnoreCase).ThenBy(key, StringComparer.Ordinal);
}
