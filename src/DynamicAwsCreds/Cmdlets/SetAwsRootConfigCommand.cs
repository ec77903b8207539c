using System.Management.Automation;
using System.Security;
using DynamicAwsCreds.Engine.Config;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>Set-AwsRootConfig: Vault's <c>aws/config/root</c>. Without keys, the AWS SDK's default chain is used.</summary>
[Cmdlet(VerbsCommon.Set, "AwsRootConfig", SupportsShouldProcess = true, DefaultParameterSetName = "Keys")]
[OutputType(typeof(AwsRootConfig))]
public sealed class SetAwsRootConfigCommand : DynamicAwsCredsCmdlet
{
    [Parameter]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    [Parameter(ParameterSetName = "Keys", Position = 0)]
    [Alias("access_key")]
    public string? AccessKey { get; set; }

    [Parameter(ParameterSetName = "Keys", Position = 1)]
    [Alias("secret_key")]
    [SecretTransform]
    public SecureString? SecretKey { get; set; }

    [Parameter(ParameterSetName = "Credential", Mandatory = true)]
    public PSCredential? Credential { get; set; }

    /// <summary>Forget the stored keys: the AWS SDK's default credential chain is used from now on.</summary>
    [Parameter(ParameterSetName = "DefaultChain", Mandatory = true)]
    public SwitchParameter UseDefaultCredentialChain { get; set; }

    [Parameter]
    public string? Region { get; set; }

    [Parameter]
    [Alias("iam_endpoint")]
    public string? IamEndpoint { get; set; }

    [Parameter]
    [Alias("sts_endpoint")]
    public string? StsEndpoint { get; set; }

    /// <summary>Vault's sts_region: the region STS calls are signed for, when not -Region.</summary>
    [Parameter]
    [Alias("sts_region")]
    public string? StsRegion { get; set; }

    /// <summary>Vault's sts_fallback_endpoints: tried in order when the STS endpoint before gives no answer.</summary>
    [Parameter]
    [Alias("sts_fallback_endpoints")]
    public string[]? StsFallbackEndpoint { get; set; }

    /// <summary>Vault's sts_fallback_regions: one per fallback endpoint.</summary>
    [Parameter]
    [Alias("sts_fallback_regions")]
    public string[]? StsFallbackRegion { get; set; }

    /// <summary>Accept endpoints on hosts outside AWS's domains; they receive requests signed with the root key.</summary>
    [Parameter]
    public SwitchParameter AllowCustomEndpoint { get; set; }

    [Parameter]
    [Alias("max_retries")]
    public int? MaxRetries { get; set; }

    /// <summary>Vault's username_template: a Go-template for IAM user and STS names. An empty string restores the default.</summary>
    [Parameter]
    [Alias("username_template")]
    public string? UsernameTemplate { get; set; }

    /// <summary>The AWS KMS key (key id, key ARN, alias/name or alias ARN) that seals the mount's secrets in a shared store.</summary>
    [Parameter]
    [Alias("kms_key_id")]
    public string? KmsKeyId { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var accessKey = Credential?.UserName ?? AccessKey;
        var secret = Credential?.Password ?? SecretKey;
        var input = new RootConfigInput
        {
            AccessKey = accessKey,
            SecretKey = secret is null ? null : SecretTransformAttribute.Reveal(secret),
            Region = Region,
            IamEndpoint = IamEndpoint,
            StsEndpoint = StsEndpoint,
            StsRegion = StsRegion,
            StsFallbackEndpoints = StsFallbackEndpoint,
            StsFallbackRegions = StsFallbackRegion,
            AllowCustomEndpoint = AllowCustomEndpoint,
            MaxRetries = MaxRetries,
            UsernameTemplate = UsernameTemplate,
            ClearKeys = UseDefaultCredentialChain,
            KmsKeyId = KmsKeyId,
        };
        if (!ShouldProcess(Path, "Set the AWS root config"))
        {
            return;
        }

        var result = Engine.SetRootConfig(Path, input);
        if (AllowCustomEndpoint)
        {
            foreach (var host in result.Endpoints.All.Where(e => e.Host == EndpointHost.Custom).GroupBy(e => e.Url.Host, StringComparer.OrdinalIgnoreCase))
            {
                WriteWarning($"'{host.Key}' ({string.Join(", ", host.Select(e => e.Field).Distinct())}) is outside AWS's domains: it will receive every request the '{result.Path}' mount signs with its root key. Be sure you trust it.");
            }
        }

        if (PassThru)
        {
            WriteObject(new AwsRootConfig(result));
        }
    }
}
