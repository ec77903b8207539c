using DynamicAwsCreds.Engine.Aws;

namespace DynamicAwsCreds.Engine.Config;

/// <summary>No root credentials: none in the root config and none in the SDK's default chain.</summary>
public sealed class AwsCredentialsException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The root credentials a mount calls AWS with: the root config's keys, else the AWS SDK's default chain.</summary>
public sealed class AwsCredentialSource
{
    private static readonly TimeSpan ChainCacheLifetime = TimeSpan.FromMinutes(5);
    private readonly AwsCredentials? _static;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AwsCredentials? _cached;
    private DateTimeOffset _cachedAt;

    private AwsCredentialSource(AwsCredentials? fixedCredentials) => _static = fixedCredentials;

    public static AwsCredentialSource Static(AwsCredentials credentials) => new(credentials);

    public static AwsCredentialSource DefaultChain() => new(null);

    public bool IsDefaultChain => _static is null;

    public async ValueTask<AwsCredentials> GetAsync(CancellationToken ct)
    {
        if (_static is not null)
        {
            return _static;
        }

        if (_cached is not null && DateTimeOffset.UtcNow - _cachedAt < ChainCacheLifetime)
        {
            return _cached;
        }

        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_cached is null || DateTimeOffset.UtcNow - _cachedAt >= ChainCacheLifetime)
            {
                try
                {
                    _cached = await AwsCredentialChain.ResolveDefaultAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    throw new AwsCredentialsException(
                        "No root credentials: the root config has no keys and the AWS SDK's default chain found none. " +
                        "Run Set-AwsRootConfig -AccessKey <id> -SecretKey <secret>, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure an AWS profile.", ex);
                }

                _cachedAt = DateTimeOffset.UtcNow;
            }

            return _cached;
        }
        finally
        {
            _gate.Release();
        }
    }
}
