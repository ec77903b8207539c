using System.Text.Json;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Leases;

namespace DynamicAwsCreds.Engine.Cache;

/// <summary>
/// For credential_process: the cached credentials of this exact request (mount, role, its definition, type,
/// role ARN, session name, TTL) while their lease has more than min(15 minutes, half its term) left; else a
/// new lease whose secrets are cached, sealed like the root secret. Processes making the same request
/// at once take turns on the store's request lock and look again after taking it, so only one of them issues.
/// </summary>
internal sealed class CachedCredentials(EngineContext context, LeaseIssuing issuing, UsableCredentials usable)
{
    /// <summary>How long a request waits for another process issuing the same credentials.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>With <paramref name="usableWithin"/>, new iam_user credentials are cached only once AWS accepts their key, so a cache hit needs no wait.</summary>
    public async Task<IssuedCredential> GetOrIssueAsync(string? path, string roleName, TimeSpan? ttl, StsOptions sts, TimeSpan? usableWithin, CancellationToken ct)
    {
        var (mount, role) = issuing.Validate(path, roleName, ttl, sts);
        var key = CredentialCache.RequestKey(mount.Path, role, ttl, sts);
        if (Find(key) is { } cached)
        {
            return cached;
        }

        using var turn = await context.Store.LockRequestAsync(key, LockTimeout,
            () => EngineOperation.Events.Verbose($"Waiting for another process issuing the same credentials for role '{role.Name}'."), ct).ConfigureAwait(false);
        // Whoever held the lock before may have just cached what this request wants.
        if (Find(key) is { } issuedMeanwhile)
        {
            return issuedMeanwhile;
        }

        var issued = await usable.UsableOrRevokedAsync(await issuing.IssueAsync(mount, role, ttl, sts, ct).ConfigureAwait(false), usableWithin, ct).ConfigureAwait(false);
        var sealedSecrets = context.Sealer.Seal(JsonSerializer.Serialize(new CachedSecrets(issued.SecretAccessKey, issued.SessionToken)), SecretContext(issued.Lease.LeaseId));
        context.Store.PutCachedCredential(issued.Lease.LeaseId, mount.Path, role.Name, key, sealedSecrets);
        return issued;
    }

    private IssuedCredential? Find(string requestKey)
    {
        var now = context.Now();
        foreach (var (lease, sealedSecrets) in context.Store.ListCachedCredentials(requestKey, now))
        {
            if (CredentialCache.IsReusable(lease, now))
            {
                EngineOperation.Events.Verbose($"Reusing the cached credentials of lease {lease.LeaseId} (expires {lease.ExpireTime:u}).");
                var secrets = JsonSerializer.Deserialize<CachedSecrets>(context.Sealer.Open(sealedSecrets, SecretContext(lease.LeaseId)))!;
                return new IssuedCredential(lease, lease.AccessKeyId!, secrets.SecretAccessKey, secrets.SessionToken);
            }
        }

        return null;
    }

    private sealed record CachedSecrets(string SecretAccessKey, string? SessionToken);

    private static string SecretContext(string leaseId) => "credential_cache:" + leaseId;
}
