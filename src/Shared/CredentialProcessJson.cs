// Compiled into the cmdlets (Export-AwsCredential -Format CredentialProcess) and the native credential_process
// helper, so a cache hit the helper answers prints exactly what PowerShell prints.
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DynamicAwsCreds.Shared;

/// <summary>The JSON the AWS CLI and SDKs read from a credential_process.</summary>
internal static class CredentialProcessJson
{
    /// <summary>Version 1, AccessKeyId, SecretAccessKey, SessionToken when there is one, and Expiration as yyyy-MM-ddTHH:mm:ssZ.</summary>
    public static string Render(string accessKeyId, string secretAccessKey, string? sessionToken, DateTime expiration)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("Version", 1);
            json.WriteString("AccessKeyId", accessKeyId);
            json.WriteString("SecretAccessKey", secretAccessKey);
            if (sessionToken is not null)
            {
                json.WriteString("SessionToken", sessionToken);
            }

            json.WriteString("Expiration", expiration.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
