namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>Username templates exactly as Vault ships them.</summary>
public static class VaultTemplates
{
    /// <summary>
    /// The AWS secrets engine's <c>username_template</c> default: STS names cut to 32, IAM names to 64 with the
    /// display/policy part cut to 42. The double space after the STS format string is Vault's.
    /// </summary>
    public const string AwsDefault =
        "{{ if (eq .Type \"STS\") }}{{ printf \"vault-%s-%s\"  (unix_time) (random 20) | truncate 32 }}{{ else }}{{ printf \"vault-%s-%s-%s\" (printf \"%s-%s\" (.DisplayName) (.PolicyName) | truncate 42) (unix_time) (random 20) | truncate 64 }}{{ end }}";
}
