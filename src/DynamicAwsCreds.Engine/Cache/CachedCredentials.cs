using System.Text.Json;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Leases;
using DynamicAwsCreds.Engine.Roots;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Cache;

/// <summary>
/// For credential_process: the cached credentials of this exact request (mount, role, its definition, type,
/// role ARN, session name, TTL) while their lease has more than min(15 minutes, half its term) left; else a
/// new lease whose secrets are cached, sealed like the root secret (in a shared store, with the AWS KMS key the
/// mount's root config names; without one the request is refused before anything is issued). Processes making the same request
/// at once take turns on the store's request lock and look again after taking it, so only one of them issues.
/// A plain request's answer, found or issued, is also written to its credential_process cache file (<see cref="CredentialProcessFiles"/>).
/// </summary>
internal sealed class CachedCredentials(EngineContext context, LeaseIssuing issuing, UsableCredentials usable, LeaseRevocation revocation)
{
    /// <summary>How long a request waits for another process issuing the same credentials.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>With <paramref name="usableWithin"/>, new iam_user credentials are cached only once AWS accepts their key, so a cache hit needs no wait.</summary>
    public async Task<IssuedCredential> GetOrIssueAsync(string? path, string roleName, TimeSpan? ttl, StsOptions sts, TimeSpan? usableWithin, CancellationToken ct)
    {
        var (mount, role) = issuing.Validate(path, roleName, ttl, sts);
        var key = CredentialCache.RequestKey(mount.Path, role, ttl, sts);
        var answer = await FindOrIssueAsync(mount, role, key, ttl, sts, usableWithin, ct).ConfigureAwait(false);
        if (CredentialProcessFiles.IsPlain(ttl, sts))
        {
            WriteFile(mount, role, key, answer);
        }

        return answer;
    }

    private async Task<IssuedCredential> FindOrIssueAsync(MountRecord mount, Role role, string key, TimeSpan? ttl, StsOptions sts, TimeSpan? usableWithin, CancellationToken ct)
    {
        var kmsKeyId = context.Store.GetRootConfig(mount.Path)?.KmsKeyId;
        MountSealing.RequireKey(context, mount.Path, kmsKeyId, CachedWhat);
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
        byte[] sealedSecrets;
        try
        {
            sealedSecrets = MountSealing.Seal(context, mount.Path, kmsKeyId, JsonSerializer.Serialize(new CachedSecrets(issued.SecretAccessKey, issued.SessionToken)),
                SecretContext(issued.Lease.LeaseId), CachedWhat);
        }
        catch (EngineException)
        {
            // Credentials that cannot be cached are not handed out: the request asked for cached ones.
            await revocation.RevokeOneAsync(issued.Lease, force: false, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        context.Store.PutCachedCredential(issued.Lease.LeaseId, mount.Path, role.Name, key, sealedSecrets);
        return issued;
    }

    /// <summary>
    /// Writes the answer's cache file, then takes it back unless the store still caches that lease for the role as it is
    /// now: a revoke or role change deletes the store's rows before the files, so one that ran meanwhile is never missed.
    /// </summary>
    private void WriteFile(MountRecord mount, Role role, string key, IssuedCredential answer)
    {
        if (!context.CacheFiles.Write(mount.Path, role.Name, answer))
        {
            return;
        }

        var store = context.OpenedStore;
        var current = store.GetRole(mount.Path, role.Name);
        var stillCached = current is not null
            && CredentialCache.RequestKey(mount.Path, Role.FromJson(current.DefinitionJson, current.UpdatedAt), null, new StsOptions()) == key
            && store.ListCachedCredentials(key, context.Now()).Any(c => c.Lease.LeaseId == answer.Lease.LeaseId);
        if (!stillCached)
        {
            context.CacheFiles.Forget(mount.Path, role.Name);
        }
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

    private const string CachedWhat = "cached credentials";

    private static string SecretContext(string leaseId) => "credential_cache:" + leaseId;
}
