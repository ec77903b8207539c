using System.Text;
using DynamicAwsCreds.Shared;

namespace DynamicAwsCreds.CredentialProcess;

/// <summary>A hit's answer on stdout, as Export-AwsCredential -Format CredentialProcess prints it (<see cref="CredentialProcessJson"/>).</summary>
internal static class CredentialProcessOutput
{
    public static void Write(CachedAnswer answer)
    {
        var text = CredentialProcessJson.Render(answer.AccessKeyId, answer.SecretAccessKey, answer.SessionToken, answer.Expires.UtcDateTime) + Environment.NewLine;
        using var stdout = Console.OpenStandardOutput();
        stdout.Write(Encoding.UTF8.GetBytes(text));
        stdout.Flush();
    }
}
