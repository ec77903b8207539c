using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace DynamicAwsCreds.Engine.Aws;

/// <summary>The AWS SDK's default credential chain: environment, profile, web identity, container, instance role.</summary>
public static class AwsCredentialChain
{
    /// <summary>
    /// Resolves the chain (the SDK caches the winning provider per process) and asks it for current
    /// credentials, which refreshes expiring ones (instance role, SSO, assume-role profiles).
    /// </summary>
    public static async ValueTask<AwsCredentials> ResolveDefaultAsync(CancellationToken ct)
    {
        ImmutableCredentials credentials;
        try
        {
            var provider = await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync(null).WaitAsync(ct).ConfigureAwait(false);
            credentials = await provider.GetCredentialsAsync().WaitAsync(ct).ConfigureAwait(false);
        }
        catch (AmazonClientException e)
        {
            throw new InvalidOperationException(
                "No AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, a [default] profile "
                + "in ~/.aws/credentials, or run with a container/instance role. " + e.Message, e);
        }

        return new AwsCredentials(credentials.AccessKey, credentials.SecretKey,
            credentials.UseToken ? credentials.Token : null);
    }
}
