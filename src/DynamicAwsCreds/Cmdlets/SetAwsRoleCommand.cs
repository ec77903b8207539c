using System.Collections;
using System.Management.Automation;
using DynamicAwsCreds.Engine;
using DynamicAwsCreds.Engine.Config;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Set-AwsRole: Vault's <c>aws/roles/:name</c>. Creates a role, or changes only the given parameters of an existing one.</summary>
[Cmdlet(VerbsCommon.Set, "AwsRole", SupportsShouldProcess = true)]
[OutputType(typeof(AwsRole))]
public sealed class SetAwsRoleCommand : DynamicAwsCredsCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Mount")]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    [AllowEmptyString]
    public string Name { get; set; } = string.Empty;

    [Parameter]
    [Alias("credential_type")]
    [ArgumentCompleter(typeof(CredentialTypeCompleter))]
    public string? CredentialType { get; set; }

    [Parameter]
    [Alias("policy_arns", "PolicyArns")]
    public string[]? PolicyArn { get; set; }

    [Parameter]
    [Alias("policy_document")]
    public object? PolicyDocument { get; set; }

    [Parameter]
    [Alias("iam_groups", "IamGroups")]
    public string[]? IamGroup { get; set; }

    [Parameter]
    [Alias("iam_tags", "IamTags")]
    public Hashtable? IamTag { get; set; }

    [Parameter]
    [Alias("role_arns", "RoleArns")]
    public string[]? RoleArn { get; set; }

    [Parameter]
    [Alias("default_sts_ttl")]
    [DurationTransform]
    public Duration? DefaultStsTtl { get; set; }

    [Parameter]
    [Alias("max_sts_ttl")]
    [DurationTransform]
    public Duration? MaxStsTtl { get; set; }

    [Parameter]
    [Alias("user_path")]
    public string? UserPath { get; set; }

    [Parameter]
    [Alias("permissions_boundary_arn")]
    public string? PermissionsBoundaryArn { get; set; }

    [Parameter]
    [Alias("mfa_serial_number")]
    public string? MfaSerialNumber { get; set; }

    [Parameter]
    [Alias("session_tags", "SessionTags")]
    public Hashtable? SessionTag { get; set; }

    [Parameter]
    [Alias("external_id")]
    public string? ExternalId { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var input = new RoleInput
        {
            CredentialType = CredentialType,
            PolicyArns = PolicyArn,
            PolicyDocument = PolicyDocument is null ? null : PolicyJson.From(PolicyDocument),
            IamGroups = IamGroup,
            IamTags = Tags(IamTag, nameof(IamTag)),
            RoleArns = RoleArn,
            DefaultStsTtl = DefaultStsTtl?.Resolve(nameof(DefaultStsTtl)),
            MaxStsTtl = MaxStsTtl?.Resolve(nameof(MaxStsTtl)),
            UserPath = UserPath,
            PermissionsBoundaryArn = PermissionsBoundaryArn,
            MfaSerialNumber = MfaSerialNumber,
            SessionTags = Tags(SessionTag, nameof(SessionTag)),
            ExternalId = ExternalId,
        };

        if (!ShouldProcess(Name, "Set AWS role"))
        {
            // Still validate, so -WhatIf reports bad input as a real run would.
            Engine.PreviewRole(Path, Name, input);
            return;
        }

        var role = Engine.SetRole(Path, Name, input);
        if (PassThru)
        {
            WriteObject(new AwsRole(role, Engine.RoleTerm(role)));
        }
    }

    private static Dictionary<string, string>? Tags(Hashtable? table, string parameter)
    {
        if (table is null)
        {
            return null;
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            var key = Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
            var value = entry.Value is PSObject p ? p.BaseObject : entry.Value;
            if (value is not (string or ValueType))
            {
                throw new EngineException("InvalidTag", ErrorKind.InvalidArgument, key, $"Tag '{key}' in -{parameter} must have a string value.");
            }

            tags[key] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
        }

        return tags;
    }
}
