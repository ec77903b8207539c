using System.Globalization;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using DynamicAwsCreds.Engine.Issue;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>
/// Export-AwsCredential: credentials as text other tools read — the AWS CLI/SDK credential_process JSON,
/// shell exports, PowerShell assignments, or a ~/.aws/credentials section. Takes issued credentials from
/// the pipeline, or issues for -Role; with -Cache, reuses the cached credentials (sealed at rest) of the same
/// request while more than min(15 minutes, half the lease) remains, so a credential_process does not make a user per call.
/// New IAM keys it issues are handed out (and cached) only once AWS accepts them, unless -NoWait.
/// </summary>
[Cmdlet(VerbsData.Export, "AwsCredential", DefaultParameterSetName = "Role", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(string))]
public sealed class ExportAwsCredentialCommand : DynamicAwsCredsCmdlet
{
    [Parameter(ParameterSetName = "InputObject", Mandatory = true, ValueFromPipeline = true)]
    public AwsCredentialLease? InputObject { get; set; }

    [Parameter(ParameterSetName = "Role", Mandatory = true, Position = 0)]
    [Alias("Name", "RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    [AllowEmptyString]
    public string Role { get; set; } = string.Empty;

    [Parameter(ParameterSetName = "Role", ValueFromPipelineByPropertyName = true)]
    [Alias("Mount")]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    [Parameter(ParameterSetName = "Role")]
    [DurationTransform]
    public Duration? Ttl { get; set; }

    /// <summary>assumed_role: which of the role's ARNs to assume when it lists several.</summary>
    [Parameter(ParameterSetName = "Role")]
    [Alias("role_arn")]
    public string? RoleArn { get; set; }

    [Parameter(ParameterSetName = "Role")]
    [Alias("role_session_name")]
    public string? RoleSessionName { get; set; }

    /// <summary>session_token (and assumed_role with an MFA serial): the current MFA code.</summary>
    [Parameter(ParameterSetName = "Role")]
    [Alias("mfa_code")]
    public string? MfaCode { get; set; }

    /// <summary>Reuse the same request's cached credentials while more than min(15 minutes, half their lease) remains.</summary>
    [Parameter(ParameterSetName = "Role")]
    public SwitchParameter Cache { get; set; }

    /// <summary>Hand out a new IAM key as soon as it exists, without waiting for AWS to accept it.</summary>
    [Parameter(ParameterSetName = "Role")]
    public SwitchParameter NoWait { get; set; }

    /// <summary>How long to wait for AWS to accept a new IAM key (default 30s).</summary>
    [Parameter(ParameterSetName = "Role")]
    [DurationTransform]
    public Duration? Timeout { get; set; }

    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(ExportFormatCompleter))]
    public string Format { get; set; } = "CredentialProcess";

    /// <summary>The section name for -Format Ini (default: the role's name).</summary>
    [Parameter]
    public string? ProfileName { get; set; }

    protected override void Process()
    {
        var format = ExportFormats.Validate(Format);
        AwsCredentialLease credential;
        if (InputObject is not null)
        {
            credential = InputObject;
        }
        else
        {
            var ttl = Ttl?.Resolve(nameof(Ttl));
            var timeout = Timeout?.Resolve(nameof(Timeout)) ?? TimeSpan.FromSeconds(30);
            TimeSpan? usableWithin = NoWait ? null : timeout;
            if (!ShouldProcess(Role, Cache ? "Reuse the role's cached AWS credentials, or issue and cache new ones" : "Issue AWS credentials"))
            {
                return;
            }

            var sts = new StsOptions(RoleArn, RoleSessionName, MfaCode);
            var issued = Run((events, ct) => Cache
                ? Engine.GetOrIssueCachedCredentialAsync(Path, Role, ttl, sts, usableWithin, events, ct)
                : Engine.IssueUsableCredentialAsync(Path, Role, ttl, sts, usableWithin, events, ct), "Issuing AWS credentials");
            credential = new AwsCredentialLease(issued);
        }

        WriteObject(ExportFormats.Render(format, credential, ProfileName ?? credential.Role));
    }
}

internal static class ExportFormats
{
    public static readonly string[] All = ["CredentialProcess", "Env", "PowerShell", "Ini"];

    public static string Validate(string format) =>
        All.FirstOrDefault(f => string.Equals(f, format, StringComparison.OrdinalIgnoreCase))
        ?? throw new DynamicAwsCreds.Engine.EngineException("InvalidExportFormat", DynamicAwsCreds.Engine.ErrorKind.InvalidArgument, format,
            $"'{format}' is not an export format. Use one of: {string.Join(", ", All)}.");

    public static string Render(string format, AwsCredentialLease c, string profile) => format switch
    {
        "CredentialProcess" => CredentialProcess(c),
        "Env" => Lines(c, (name, value) => $"export {name}='{value.Replace("'", "'\\''", StringComparison.Ordinal)}'"),
        "PowerShell" => Lines(c, (name, value) => $"$env:{name} = '{value.Replace("'", "''", StringComparison.Ordinal)}'"),
        _ => Ini(c, profile),
    };

    /// <summary>The JSON the AWS CLI and SDKs read from a credential_process.</summary>
    private static string CredentialProcess(AwsCredentialLease c)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("Version", 1);
            json.WriteString("AccessKeyId", c.AccessKey);
            json.WriteString("SecretAccessKey", c.SecretKey);
            if (c.SessionToken is not null)
            {
                json.WriteString("SessionToken", c.SessionToken);
            }

            json.WriteString("Expiration", c.Expiration.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Lines(AwsCredentialLease c, Func<string, string, string> line)
    {
        var lines = new List<string> { line("AWS_ACCESS_KEY_ID", c.AccessKey), line("AWS_SECRET_ACCESS_KEY", c.SecretKey) };
        if (c.SessionToken is not null)
        {
            lines.Add(line("AWS_SESSION_TOKEN", c.SessionToken));
        }

        return string.Join(Environment.NewLine, lines);
    }

    private static string Ini(AwsCredentialLease c, string profile)
    {
        var sb = new StringBuilder();
        sb.Append('[').Append(profile).Append(']').AppendLine();
        sb.Append("aws_access_key_id = ").AppendLine(c.AccessKey);
        sb.Append("aws_secret_access_key = ").AppendLine(c.SecretKey);
        if (c.SessionToken is not null)
        {
            sb.Append("aws_session_token = ").AppendLine(c.SessionToken);
        }

        return sb.ToString().TrimEnd();
    }
}
