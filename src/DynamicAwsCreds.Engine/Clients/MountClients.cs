using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Roots;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Clients;

/// <summary>A mount's IAM and STS clients and the root credentials they sign with, as of one root config generation.</summary>
internal sealed record MountApis(IIamApi Iam, IStsApi Sts, AwsCredentialSource Credentials, long? Generation);

/// <summary>
/// Each mount's clients, built through the <see cref="IAwsClientFactory"/> from its root config and built again once
/// the config's generation changes, so a new key or endpoint set by any process (Set-AwsRootConfig,
/// Update-AwsRootCredential) is used by the next call.
/// </summary>
internal sealed class MountClients(Lazy<ILeaseStore> store, ISecretSealer sealer, IAwsClientFactory factory)
{
    private readonly Dictionary<string, MountApis> _byMount = new(StringComparer.Ordinal);

    public MountApis For(string mount)
    {
        var generation = store.Value.GetRootConfigGeneration(mount);
        lock (_byMount)
        {
            if (_byMount.TryGetValue(mount, out var cached) && cached.Generation == generation)
            {
                return cached;
            }
        }

        var config = store.Value.GetRootConfig(mount);
        var endpoints = MountEndpoints.Resolve(config);
        StoredRootConfig.CheckEndpoints(endpoints, config);
        var source = config?.AccessKey is { } ak && config.SecretKeyCiphertext is { } blob
            ? AwsCredentialSource.Static(new AwsCredentials(ak, sealer.Open(blob, StoredRootConfig.SecretContext(mount))))
            : AwsCredentialSource.DefaultChain();
        var apis = factory.Create(Connection(endpoints, StoredRootConfig.MaxRetries(config), source.GetAsync));
        var clients = new MountApis(apis.Iam, apis.Sts, source, config?.Generation);
        lock (_byMount)
        {
            _byMount[mount] = clients;
            return clients;
        }
    }

    public void Forget(string mount)
    {
        lock (_byMount)
        {
            _byMount.Remove(mount);
        }
    }

    /// <summary>
    /// Polls sts:GetCallerIdentity (which needs no permission) at <paramref name="endpoints"/>, signed with
    /// <paramref name="credentials"/>, until AWS accepts them: a new access key takes seconds to work everywhere.
    /// When <paramref name="timeout"/> passes first, throws what <paramref name="timedOut"/> makes of the last refusal and its code.
    /// </summary>
    public async Task WaitUntilAcceptedAsync(
        MountEndpoints endpoints, AwsCredentials credentials, TimeSpan timeout, Func<Exception, string, EngineException> timedOut, CancellationToken ct)
    {
        var probe = factory.Create(Connection(endpoints, maxRetries: 0, _ => ValueTask.FromResult(credentials))).Sts;
        var deadline = DateTimeOffset.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await probe.GetCallerIdentityAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is AwsServiceException or AwsTransportException && DateTimeOffset.UtcNow + delay < deadline)
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
                // A new key is usually accepted within seconds: looking twice a second finds it soon after (the call is free).
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
            }
            catch (Exception ex) when (ex is AwsServiceException or AwsTransportException)
            {
                throw timedOut(ex, (ex as AwsServiceException)?.Code ?? ex.GetType().Name);
            }
        }
    }

    private static AwsConnection Connection(MountEndpoints endpoints, int maxRetries, Func<CancellationToken, ValueTask<AwsCredentials>> credentials) =>
        new(new QueryEndpoint(endpoints.Iam.Url, endpoints.Iam.SigningRegion),
            endpoints.Sts.Select(e => new QueryEndpoint(e.Url, e.SigningRegion)).ToList(),
            credentials, maxRetries);
}
