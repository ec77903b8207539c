using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using DynamicAwsCreds.Engine.Kinds;

namespace DynamicAwsCreds.Engine.Config;

/// <summary>A named recipe for credentials (Vault's aws/roles/:name). Stored as JSON.</summary>
public sealed record Role
{
    public required string Mount { get; init; }
    public required string Name { get; init; }
    public required string CredentialType { get; init; }
    public IReadOnlyList<string> PolicyArns { get; init; } = [];
    public string? PolicyDocument { get; init; }
    public IReadOnlyList<string> IamGroups { get; init; } = [];
    public IReadOnlyDictionary<string, string> IamTags { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> RoleArns { get; init; } = [];
    public TimeSpan? DefaultStsTtl { get; init; }
    public TimeSpan? MaxStsTtl { get; init; }
    public string? UserPath { get; init; }
    public string? PermissionsBoundaryArn { get; init; }
    public string? MfaSerialNumber { get; init; }
    public IReadOnlyDictionary<string, string> SessionTags { get; init; } = new Dictionary<string, string>();
    public string? ExternalId { get; init; }
    [JsonIgnore] public DateTimeOffset UpdatedAt { get; init; }

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static Role FromJson(string json, DateTimeOffset updatedAt) =>
        (JsonSerializer.Deserialize<Role>(json, Json) ?? throw new InvalidDataException("empty role definition")) with { UpdatedAt = updatedAt };
}

/// <summary>What Set-AwsRole was given: null means "not given", so an update changes only what is given.</summary>
public sealed record RoleInput
{
    public string? CredentialType { get; init; }
    public IReadOnlyList<string>? PolicyArns { get; init; }
    public string? PolicyDocument { get; init; }
    public IReadOnlyList<string>? IamGroups { get; init; }
    public IReadOnlyDictionary<string, string>? IamTags { get; init; }
    public IReadOnlyList<string>? RoleArns { get; init; }
    public TimeSpan? DefaultStsTtl { get; init; }
    public TimeSpan? MaxStsTtl { get; init; }
    public string? UserPath { get; init; }
    public string? PermissionsBoundaryArn { get; init; }
    public string? MfaSerialNumber { get; init; }
    public IReadOnlyDictionary<string, string>? SessionTags { get; init; }
    public string? ExternalId { get; init; }
}

/// <summary>
/// Vault's role validation rules, beside the fields they check, plus AWS's own limits. Which fields a credential type
/// takes, and how they combine, is its kind's to say (<see cref="ICredentialKind.ValidateRole"/>).
/// </summary>
public static partial class RoleRules
{
    [GeneratedRegex(@"^[A-Za-z0-9_](([A-Za-z0-9_.@-]+)?[A-Za-z0-9_])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:iam::(aws|[0-9]{12}):policy/([\u0021-\u007E]+/)?[A-Za-z0-9_+=,.@-]{1,128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex PolicyArnPattern();

    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/([\u0021-\u007E]+/)?[A-Za-z0-9_+=,.@-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RoleArnPattern();

    [GeneratedRegex(@"^(/|/[\u0021-\u007E]+/)\z", RegexOptions.CultureInvariant)]
    private static partial Regex UserPathPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]{1,128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex GroupNamePattern();

    public static string ValidateName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 128 || !NamePattern().IsMatch(name))
        {
            var instead = LeaseIds.ParseRolePath(name) is { } path
                ? $" It is a Vault path; give the role name instead, for example Get-AwsCredential {path.Role}{(path.Mount == Mount.DefaultPath ? string.Empty : " -Path " + path.Mount)}."
                : " A role name starts and ends with a letter, digit or '_' and may contain '-', '.' and '@' in between (at most 128 characters).";
            throw new EngineException("InvalidRoleName", ErrorKind.InvalidArgument, name, $"'{name}' is not a valid role name.{instead}");
        }

        return name;
    }

    /// <summary>
    /// A role's policy document is put on each issued user as an inline policy named after the role, so a role
    /// may not take the name of the module's own inline policy (IAM compares names case-insensitively).
    /// </summary>
    private static void RefuseReservedName(string name)
    {
        if (string.Equals(name, Issue.ExpiryGuard.PolicyName, StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid("ReservedName", name,
                $"'{name}' is reserved: every IAM user this module issues carries an inline policy named {Issue.ExpiryGuard.PolicyName} (the expiry guard), and a role's policy document is put as an inline policy named after the role, so this role would replace the guard. Choose another role name.");
        }
    }

    /// <summary>Applies <paramref name="input"/> on top of <paramref name="existing"/> (or a new role) and validates the result.</summary>
    public static Role Apply(string mount, string name, Role? existing, RoleInput input, DateTimeOffset now)
    {
        ValidateName(name);
        RefuseReservedName(name);
        var kind = input.CredentialType is not null ? CredentialKinds.Get(input.CredentialType)
            : existing is not null ? CredentialKinds.Get(existing.CredentialType)
            : CredentialKinds.Default;
        var role = (existing ?? new Role { Mount = mount, Name = name, CredentialType = kind.Name }) with
        {
            Mount = mount,
            Name = name,
            CredentialType = kind.Name,
            UpdatedAt = now,
        };

        if (input.PolicyArns is not null)
        {
            role = role with { PolicyArns = input.PolicyArns.Select(a => ValidatePolicyArn(a, "PolicyArn")).Distinct(StringComparer.Ordinal).ToArray() };
        }

        if (input.PolicyDocument is not null)
        {
            role = role with { PolicyDocument = input.PolicyDocument.Length == 0 ? null : CompactPolicyDocument(input.PolicyDocument) };
        }

        if (input.IamGroups is not null)
        {
            role = role with { IamGroups = input.IamGroups.Select(ValidateGroupName).Distinct(StringComparer.Ordinal).ToArray() };
        }

        if (input.IamTags is not null)
        {
            role = role with { IamTags = ValidateTags(input.IamTags, "IamTag") };
        }

        if (input.RoleArns is not null)
        {
            role = role with { RoleArns = input.RoleArns.Select(ValidateRoleArn).Distinct(StringComparer.Ordinal).ToArray() };
        }

        if (input.DefaultStsTtl is not null)
        {
            role = role with { DefaultStsTtl = input.DefaultStsTtl == TimeSpan.Zero ? null : input.DefaultStsTtl };
        }

        if (input.MaxStsTtl is not null)
        {
            role = role with { MaxStsTtl = input.MaxStsTtl == TimeSpan.Zero ? null : input.MaxStsTtl };
        }

        if (input.UserPath is not null)
        {
            if (input.UserPath.Length > 512 || !UserPathPattern().IsMatch(input.UserPath))
            {
                throw Invalid("InvalidUserPath", input.UserPath,
                    $"'{input.UserPath}' is not a valid IAM user path. It must be '/' or begin and end with '/', for example '/dynamic/'.");
            }

            role = role with { UserPath = input.UserPath };
        }

        if (input.PermissionsBoundaryArn is not null)
        {
            role = role with
            {
                PermissionsBoundaryArn = input.PermissionsBoundaryArn.Length == 0 ? null : ValidatePolicyArn(input.PermissionsBoundaryArn, "PermissionsBoundaryArn"),
            };
        }

        if (input.MfaSerialNumber is not null)
        {
            role = role with { MfaSerialNumber = input.MfaSerialNumber.Length == 0 ? null : input.MfaSerialNumber };
        }

        if (input.SessionTags is not null)
        {
            role = role with { SessionTags = ValidateTags(input.SessionTags, "SessionTag") };
        }

        if (input.ExternalId is not null)
        {
            role = role with { ExternalId = input.ExternalId.Length == 0 ? null : input.ExternalId };
        }

        kind.ValidateRole(role);
        return role;
    }

    /// <summary>IAM's limit on all of one user's inline policies together, whitespace not counted.</summary>
    public const int UserInlinePolicyLimit = 2048;

    /// <summary>
    /// Every ARN of the role (policy, role, permissions boundary, MFA device) must be of the partition the mount calls
    /// AWS in, decided by its region: <c>arn:aws-cn:</c> on a cn- region, <c>arn:aws-us-gov:</c> on us-gov-, else <c>arn:aws:</c>.
    /// </summary>
    public static void CheckPartition(Role role, string region, ErrorKind kind)
    {
        var partition = Partition.ForRegion(region);
        var arns = role.PolicyArns.Select(a => (Arn: (string?)a, Field: "PolicyArn"))
            .Concat(role.RoleArns.Select(a => (Arn: (string?)a, Field: "RoleArn")))
            .Append((role.PermissionsBoundaryArn, "PermissionsBoundaryArn"))
            .Append((role.MfaSerialNumber, "MfaSerialNumber"));
        foreach (var (arn, field) in arns)
        {
            if (arn is not null && arn.StartsWith("arn:", StringComparison.Ordinal) && !partition.Owns(arn))
            {
                throw new EngineException("PartitionMismatch", kind, arn,
                    $"'{arn}' ({field} of role '{role.Name}') is not an ARN of partition {partition.Name}, where the secrets engine at '{role.Mount}' calls AWS (region {region}). Use arn:{partition.Name}:… ARNs with Set-AwsRole, or change the mount's region with Set-AwsRootConfig -Region.");
            }
        }
    }

    public static string ValidatePolicyArn(string? arn, string field)
    {
        var a = arn?.Trim() ?? string.Empty;
        if (a.Length > 2048 || !PolicyArnPattern().IsMatch(a))
        {
            throw Invalid("InvalidPolicyArn", arn,
                $"'{arn}' is not an IAM policy ARN ({field}). Use the form arn:aws:iam::aws:policy/ReadOnlyAccess or arn:aws:iam::123456789012:policy/MyPolicy.");
        }

        return a;
    }

    private static string ValidateRoleArn(string? arn)
    {
        var a = arn?.Trim() ?? string.Empty;
        if (a.Length > 2048 || !RoleArnPattern().IsMatch(a))
        {
            throw Invalid("InvalidRoleArn", arn, $"'{arn}' is not an IAM role ARN. Use the form arn:aws:iam::123456789012:role/MyRole.");
        }

        return a;
    }

    private static string ValidateGroupName(string? group)
    {
        if (string.IsNullOrEmpty(group) || !GroupNamePattern().IsMatch(group))
        {
            throw Invalid("InvalidGroupName", group, $"'{group}' is not a valid IAM group name (letters, digits and +=,.@_- only, at most 128 characters).");
        }

        return group;
    }

    private static Dictionary<string, string> ValidateTags(IReadOnlyDictionary<string, string> tags, string field)
    {
        if (tags.Count > 50)
        {
            throw Invalid("InvalidTag", field, $"{field} has {tags.Count} tags; AWS allows at most 50.");
        }

        foreach (var (key, value) in tags)
        {
            if (string.IsNullOrEmpty(key) || key.Length > 128 || value.Length > 256 || key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid("InvalidTag", key, $"Tag '{key}' in {field} is not valid: keys are 1–128 characters and may not start with 'aws:'; values at most 256 characters.");
            }
        }

        return new Dictionary<string, string>(tags, StringComparer.Ordinal);
    }

    /// <summary>Checks the document is a JSON object and compacts it, as IAM counts size without whitespace.</summary>
    public static string CompactPolicyDocument(string document)
    {
        try
        {
            using var parsed = JsonDocument.Parse(document);
            if (parsed.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("the document is not a JSON object");
            }

            var compact = JsonSerializer.Serialize(parsed.RootElement, CompactJson);
            if (compact.Length > 2048)
            {
                throw Invalid("PolicyDocumentTooLarge", "PolicyDocument",
                    $"The policy document is {compact.Length} characters without whitespace; IAM allows 2048 for a user's inline policy.");
            }

            return compact;
        }
        catch (JsonException ex)
        {
            throw Invalid("InvalidPolicyDocument", "PolicyDocument", $"The policy document is not valid JSON: {ex.Message}");
        }
    }

    private static readonly JsonSerializerOptions CompactJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static EngineException Invalid(string reason, object? target, string message) =>
        new(reason, ErrorKind.InvalidArgument, target, message);
}
