using System.Management.Automation;
using System.Text;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>
/// Export-AwsCredential: credentials as text other tools read — the AWS CLI/SDK credential_process JSON,
/// shell exports, PowerShell assignments, or a ~/.aws/credentials section. Takes issued credentials from
/// the pipeline, or issues for -Role; with -Cache, reuses the cached credentials (sealed at rest) of the same
/// request while more than min(15 minutes, half the lease) remains, so a credential_process does not make a user per call.
/// New IAM keys it issues are handed out (and cached) only once AWS accepts them, unless -NoWait.
/// </summary>
[Cmdlet(VerbsData.Export, "AwsCredential", DefaultParameterSetName = RoleSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(string))]
public sealed class ExportAwsCredentialCommand : CredentialRequestCmdlet
{
    [Parameter(ParameterSetName = "InputObject", Mandatory = true, ValueFromPipeline = true)]
    public AwsCredentialLease? InputObject { get; set; }

    /// <summary>As the base's, but not from the pipeline: what is piped in is -InputObject.</summary>
    [Parameter(ParameterSetName = RoleSet, Mandatory = true, Position = 0)]
    [Alias("Name", "RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    [AllowEmptyString]
    public override string Role { get => base.Role; set => base.Role = value; }

    /// <summary>Reuse the same request's cached credentials while more than min(15 minutes, half their lease) remains.</summary>
    [Parameter(ParameterSetName = RoleSet)]
    public SwitchParameter Cache { get; set; }

    /// <summary>Hand out a new IAM key as soon as it exists, without waiting for AWS to accept it.</summary>
    [Parameter(ParameterSetName = RoleSet)]
    public SwitchParameter NoWait { get; set; }

    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(ExportFormatCompleter))]
    public string Format { get; set; } = "CredentialProcess";

    /// <summary>The section name for -Format Ini (default: the role's name).</summary>
    [Parameter]
    public string? ProfileName { get; set; }

    protected override void Process()
    {
        var format = ExportFormats.Validate(Format);
        if (format == "CredentialProcess" && Console.IsErrorRedirected)
        {
            PlainTextErrors();
        }

        var credential = InputObject;
        if (credential is null)
        {
            var issued = IssueRequested(
                Cache ? "Reuse the role's cached AWS credentials, or issue and cache new ones" : "Issue AWS credentials",
                (ttl, sts, events, ct) => Cache
                    ? Engine.GetOrIssueCachedCredentialAsync(Path, Role, ttl, sts, NoWait ? null : WaitTimeout, events, ct)
                    : Engine.IssueUsableCredentialAsync(Path, Role, ttl, sts, NoWait ? null : WaitTimeout, events, ct));
            if (issued is null)
            {
                return;
            }

            credential = new AwsCredentialLease(issued);
        }

        WriteObject(ExportFormats.Render(format, credential, ProfileName ?? credential.Role));
    }

    /// <summary>
    /// Run as a credential_process, the AWS CLI or SDK prints this process's stderr: $PSStyle.OutputRendering =
    /// PlainText keeps colour codes out of the errors the host writes there. ($PSStyle is PowerShell 7.2's, which the
    /// reference assemblies this module builds against predate, hence reflection.)
    /// </summary>
    private void PlainTextErrors()
    {
        var style = SessionState.PSVariable.GetValue("PSStyle") is PSObject wrapped ? wrapped.BaseObject : SessionState.PSVariable.GetValue("PSStyle");
        if (style?.GetType().GetProperty("OutputRendering") is { CanWrite: true } rendering)
        {
            rendering.SetValue(style, Enum.Parse(rendering.PropertyType, "PlainText"));
        }
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

    /// <summary>The JSON the AWS CLI and SDKs read from a credential_process (the native helper prints the same).</summary>
    private static string CredentialProcess(AwsCredentialLease c) =>
        DynamicAwsCreds.Shared.CredentialProcessJson.Render(c.AccessKey, c.SecretKey, c.SessionToken, c.Expiration);

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
