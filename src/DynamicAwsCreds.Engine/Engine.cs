using System.Diagnostics;
using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine;

/// <summary>
/// The one door the cmdlets use: one per runspace. Owns the store, the AWS clients per mount and the
/// resolved root credentials. Knows nothing of PowerShell.
/// </summary>
public sealed class CredsEngine : IDisposable
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxConnectionsPerServer = 256,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    private static readonly AsyncLocal<IOperationEvents?> CurrentEvents = new();

    private readonly Dictionary<string, MountClients> _clients = new(StringComparer.Ordinal);
    private readonly Lazy<ILeaseStore> _store;
    private readonly SecretBox _secrets;
    private readonly string _displayName;
    private readonly Func<DateTimeOffset> _clock;

    public CredsEngine(string? storePath = null, string? displayName = null, Func<DateTimeOffset>? clock = null)
    {
        StorePath = Path.GetFullPath(storePath ?? StoreFiles.DefaultStorePath());
        _store = new Lazy<ILeaseStore>(() => LeaseStore.Open(StorePath));
        // A missing key file while sealed secrets exist is an error, never a fresh key that silently orphans them.
        _secrets = SecretBox.ForStore(StorePath, () => _store.Value.HasSealedSecrets());
        _displayName = displayName ?? Environment.UserName;
        var source = clock ?? (() => DateTimeOffset.UtcNow);
        // The store keeps milliseconds: so does every time the engine hands out.
        _clock = () => DateTimeOffset.FromUnixTimeMilliseconds(source().ToUnixTimeMilliseconds());
    }

    public string StorePath { get; }

    /// <summary>The store's random id, named in the ownership marker of every IAM user it issues.</summary>
    public string StoreId => Store.StoreId;

    private ILeaseStore Store => _store.Value;

    // ---- mounts ---------------------------------------------------------------------------

    /// <summary>Enable-SecretsEngine: the store adds the mount only if none is at or nests with the path, as one step, so two overlapping mounts cannot both win.</summary>
    public MountInfo EnableMount(string type, string? path, string? description, TimeSpan? defaultLeaseTtl, TimeSpan? maxLeaseTtl)
    {
        var t = Mount.NormalizeType(type);
        var p = Mount.NormalizePath(path ?? Mount.DefaultPath);
        CheckTtlPair(defaultLeaseTtl, maxLeaseTtl, "DefaultLeaseTtl", "MaxLeaseTtl");
        var record = new MountRecord(p, t, description, defaultLeaseTtl, maxLeaseTtl, _clock());
        // As Vault, mounts may not nest: a prefix revoke of one would reach into the other.
        if (Store.AddMount(record) is { } clash)
        {
            throw new EngineException("PathInUse", ErrorKind.ResourceExists, p, clash.Path == p
                ? $"A secrets engine is already enabled at '{p}'. Choose another -Path, or Disable-SecretsEngine '{p}' first."
                : $"'{p}' overlaps the secrets engine enabled at '{clash.Path}'. Secrets engines may not be nested; choose another -Path.");
        }

        return ToInfo(record);
    }

    public IReadOnlyList<MountInfo> GetMounts() => Store.ListMounts().Select(ToInfo).ToList();

    public MountInfo GetMount(string? path) => ToInfo(RequireMount(path));

    /// <summary>Disable-SecretsEngine: revokes every lease under the path, then removes its config and roles.</summary>
    public async Task<RevokeSummary> DisableMountAsync(string? path, int throttleLimit, bool force, IOperationEvents? events, CancellationToken ct)
    {
        var mount = RequireMount(path);
        // From here no issue can add a lease under the mount or activate one, so none outlives it.
        Store.SetMountDisabling(mount.Path, true);
        // First, so no credential_process is handed a lease that the revokes below have not reached yet.
        Store.DeleteCachedCredentials(mount.Path);
        var prefix = mount.Path + "/creds/";
        var leases = Store.ListLeasesByPrefix(prefix);
        var summary = await RevokeLeasesAsync(leases, throttleLimit, force, events, ct).ConfigureAwait(false);
        var stillIssuing = await WaitForIssuesUnderAsync(prefix, events, ct).ConfigureAwait(false);
        if (summary.Failed > 0 || stillIssuing > 0)
        {
            Store.SetMountDisabling(mount.Path, false);
            throw new EngineException("DisableFailed", ErrorKind.InvalidOperation, mount.Path, summary.Failed > 0
                ? $"{summary.Failed} lease(s) under '{mount.Path}' could not be revoked, so the secrets engine stays enabled. Fix the cause and run Disable-SecretsEngine again, or add -Force to forget those leases."
                : $"{stillIssuing} issue(s) under '{mount.Path}' did not finish in time, so the secrets engine stays enabled. Run Disable-SecretsEngine again.");
        }

        Store.RemoveMount(mount.Path);
        ForgetClients(mount.Path);
        return summary;
    }

    /// <summary>How long Disable-SecretsEngine waits for issues already under way in the mount to roll back.</summary>
    public static readonly TimeSpan DisableIssueWait = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Issues that wrote their intent before the mount was marked cannot activate any more and roll back; waits for
    /// them (and cleans up after crashed ones). Returns how many are still pending.
    /// </summary>
    private async Task<int> WaitForIssuesUnderAsync(string prefix, IOperationEvents? events, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + DisableIssueWait;
        while (true)
        {
            await RecoverAbandonedIntentsAsync(events, ct).ConfigureAwait(false);
            var pending = Store.ListLeasesByPrefix(prefix, activeOnly: false).Count(l => l.State == LeaseState.Pending);
            if (pending == 0 || DateTimeOffset.UtcNow >= deadline)
            {
                return pending;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
        }
    }

    /// <summary>The mount's leases that would be revoked by disabling it.</summary>
    public int CountMountLeases(string? path) => Store.ListLeasesByPrefix(RequireMount(path).Path + "/creds/").Count;

    private MountInfo ToInfo(MountRecord m) =>
        new(m.Path, m.Type, m.Description, m.DefaultLeaseTtl, m.MaxLeaseTtl, Store.CountLeases(m.Path), m.CreatedAt, StorePath, Store.StoreId);

    private MountRecord RequireMount(string? path)
    {
        var p = Mount.NormalizePath(path ?? Mount.DefaultPath);
        return Store.GetMount(p) ?? throw new EngineException("MountNotFound", ErrorKind.ObjectNotFound, p,
            $"No secrets engine is enabled at '{p}'. Run: Enable-SecretsEngine aws{(p == Mount.DefaultPath ? string.Empty : $" -Path {p}")}");
    }

    /// <summary>The mount was disabled by another process between the check and the write.</summary>
    private static EngineException MountGone(string path) =>
        new("MountNotFound", ErrorKind.ObjectNotFound, path, $"The secrets engine at '{path}' was disabled while this command ran; nothing was written.");

    private static void CheckTtlPair(TimeSpan? ttl, TimeSpan? max, string ttlName, string maxName)
    {
        if (ttl is { } a)
        {
            Durations.Validate(a, ttlName);
        }

        if (max is { } b)
        {
            Durations.Validate(b, maxName);
        }

        if (ttl is { } t && max is { } m && m > TimeSpan.Zero && t > m)
        {
            throw new EngineException("InvalidDuration", ErrorKind.InvalidArgument, t,
                $"{ttlName} ({Durations.Format(t)}) must not be greater than {maxName} ({Durations.Format(m)}).");
        }
    }

    // ---- root config ----------------------------------------------------------------------

    /// <summary>Set-AwsRootConfig: changes only what is given, in one store transaction (another process's change is never lost).</summary>
    public RootConfigInfo SetRootConfig(string? path, RootConfigInput input)
    {
        var mount = RequireMount(path);
        RootConfig.ValidateKeys(input.AccessKey, input.SecretKey);
        var region = RootConfig.ValidateRegion(input.Region);
        var iamEndpoint = RootConfig.ValidateEndpoint(input.IamEndpoint, "IamEndpoint");
        var stsEndpoint = RootConfig.ValidateEndpoint(input.StsEndpoint, "StsEndpoint");
        RootConfig.ValidateMaxRetries(input.MaxRetries);
        if (!string.IsNullOrEmpty(input.UsernameTemplate))
        {
            StsNames.ValidateTemplate(input.UsernameTemplate);
        }

        var sealedSecret = input.SecretKey is { } secret ? _secrets.Seal(secret, SecretContext(mount.Path)) : null;
        var record = Store.UpdateRootConfig(mount.Path, existing =>
        {
            if (input.ClearKeys)
            {
                existing = existing is null ? null : existing with { AccessKey = null, SecretKeyCiphertext = null };
            }

            return RootConfig.ApplyEndpointSettings(new RootConfigRecord(
                mount.Path,
                input.AccessKey ?? existing?.AccessKey,
                sealedSecret ?? existing?.SecretKeyCiphertext,
                Blank(region ?? existing?.Region),
                Blank(iamEndpoint ?? existing?.IamEndpoint),
                Blank(stsEndpoint ?? existing?.StsEndpoint),
                input.MaxRetries ?? existing?.MaxRetries,
                Blank(input.UsernameTemplate ?? existing?.UsernameTemplate)), existing, input);
        }) ?? throw MountGone(mount.Path);
        ForgetClients(mount.Path);
        // Cached credentials came from the old account, keys or endpoints.
        Store.DeleteCachedCredentials(mount.Path);
        return ToInfo(record);
    }

    public RootConfigInfo GetRootConfig(string? path)
    {
        var mount = RequireMount(path);
        return ToInfo(Store.GetRootConfig(mount.Path) ?? new RootConfigRecord(mount.Path, null, null, null, null, null, null, null));
    }

    /// <summary>Vault's config/rotate-root: GetUser, CreateAccessKey, store the new key, DeleteAccessKey the old.</summary>
    public async Task<RootConfigInfo> RotateRootAsync(string? path, IOperationEvents? events, CancellationToken ct)
    {
        var mount = RequireMount(path);
        var config = Store.GetRootConfig(mount.Path);
        if (config?.AccessKey is null || config.SecretKeyCiphertext is null)
        {
            throw new EngineException("RootConfigNotExplicit", ErrorKind.InvalidOperation, mount.Path,
                $"The root config of '{mount.Path}' has no access key of its own (it uses the AWS SDK's default chain), so there is nothing to rotate. Set keys with Set-AwsRootConfig first.");
        }

        var clients = Clients(mount.Path);
        return await WithEvents(events, async () =>
        {
            var user = await Translate(() => clients.Iam.GetUserAsync(null, ct), mount.Path).ConfigureAwait(false);
            IamAccessKey fresh;
            try
            {
                fresh = await Translate(() => clients.Iam.CreateAccessKeyAsync(user.UserName, ct), user.UserName).ConfigureAwait(false);
            }
            catch (EngineException ex) when (ex.AwsCode == "LimitExceeded")
            {
                throw new EngineException("RootUserHasTwoKeys", ErrorKind.LimitsExceeded, user.UserName,
                    $"IAM user '{user.UserName}' already has two access keys, the most AWS allows, so no new key can be made. Delete the one the root config does not use, then rotate again.", ex)
                { AwsCode = ex.AwsCode };
            }

            // Nothing switches to the new key before AWS accepts it: a key just made is refused for a few seconds.
            var endpoints = MountEndpoints.Resolve(config);
            try
            {
                await WaitForKeyAsync(endpoints, new AwsCredentials(fresh.AccessKeyId, fresh.SecretAccessKey), RootKeyPropagationTimeout, (ex, code) =>
                    new EngineException("RootKeyNotUsable", ErrorKind.OperationTimeout, fresh.AccessKeyId,
                        $"AWS did not accept the new root key {fresh.AccessKeyId} within {Durations.Format(RootKeyPropagationTimeout)} ({code}), so the root config keeps the old key and the new one was deleted. Try again later.", ex), ct)
                    .ConfigureAwait(false);
            }
            catch (EngineException)
            {
                try
                {
                    await clients.Iam.DeleteAccessKeyAsync(fresh.AccessKeyId, user.UserName, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is AwsServiceException or AwsTransportException)
                {
                    CurrentEvents.Value?.Warning($"The unused new key {fresh.AccessKeyId} could not be deleted ({(ex as AwsServiceException)?.Code ?? "no answer"}). Delete it in IAM by hand.");
                }

                throw;
            }

            var oldKey = config.AccessKey;
            var sealedKey = _secrets.Seal(fresh.SecretAccessKey, SecretContext(mount.Path));
            _ = Store.UpdateRootConfig(mount.Path, existing => (existing ?? config) with { AccessKey = fresh.AccessKeyId, SecretKeyCiphertext = sealedKey })
                ?? throw MountGone(mount.Path);
            ForgetClients(mount.Path);
            // Cached credentials were issued under the key being retired (a session_token lease is that key's own session).
            Store.DeleteCachedCredentials(mount.Path);
            try
            {
                // The old key deletes itself: the new one may not have propagated yet.
                await Translate(async () => { await clients.Iam.DeleteAccessKeyAsync(oldKey, user.UserName, ct).ConfigureAwait(false); return true; }, user.UserName)
                    .ConfigureAwait(false);
            }
            catch (EngineException ex)
            {
                CurrentEvents.Value?.Warning($"The new key {fresh.AccessKeyId} is stored and in use, but the old key {oldKey} could not be deleted ({ex.AwsCode ?? ex.Reason}). Delete it in IAM by hand.");
            }

            return ToInfo(Store.GetRootConfig(mount.Path)!);
        }).ConfigureAwait(false);
    }

    /// <summary>Vault's config/lease: the iam_user lease duration and its maximum.</summary>
    public LeaseConfigRecord SetLeaseConfig(string? path, TimeSpan lease, TimeSpan leaseMax)
    {
        var mount = RequireMount(path);
        Durations.Validate(lease, "Lease");
        Durations.Validate(leaseMax, "LeaseMax");
        if (lease > leaseMax)
        {
            throw new EngineException("InvalidDuration", ErrorKind.InvalidArgument, lease,
                $"Lease ({Durations.Format(lease)}) must not be greater than LeaseMax ({Durations.Format(leaseMax)}).");
        }

        var record = new LeaseConfigRecord(mount.Path, lease, leaseMax);
        Store.PutLeaseConfig(record);
        return record;
    }

    public LeaseConfigRecord? GetLeaseConfig(string? path) => Store.GetLeaseConfig(RequireMount(path).Path);

    private static RootConfigInfo ToInfo(RootConfigRecord r)
    {
        var endpoints = MountEndpoints.Resolve(r);
        string? problem = null;
        try
        {
            CheckStoredEndpoints(endpoints, r);
        }
        catch (EngineException ex)
        {
            problem = ex.Message;
        }

        return new RootConfigInfo(
            r.Mount, r.AccessKey, r.SecretKeyCiphertext is not null,
            r.AccessKey is null ? "DefaultChain" : "RootConfig",
            endpoints.Region, r.IamEndpoint, r.StsEndpoint,
            r.MaxRetries is null or -1 ? RootConfig.DefaultMaxRetries : r.MaxRetries.Value, r.UsernameTemplate)
        {
            StsRegion = r.StsRegion,
            StsFallbackEndpoints = r.StsFallbackEndpoints,
            StsFallbackRegions = r.StsFallbackRegions,
            Endpoints = endpoints,
            EndpointProblem = problem,
        };
    }

    /// <summary>Stored endpoints are used only if they pass today's rules (a row from an older version may not).</summary>
    private static void CheckStoredEndpoints(MountEndpoints endpoints, RootConfigRecord? config) =>
        EndpointRules.Check(endpoints, _ => config?.EndpointsVetted == true, config?.Mount ?? Mount.DefaultPath, stored: true);

    /// <summary>The region the mount calls AWS in (its partition decides which ARNs its roles may name).</summary>
    private string MountRegion(string mount) => RootConfig.ResolveRegion(Store.GetRootConfig(mount)?.Region);

    private static string SecretContext(string mount) => "root_config:" + mount;

    private static string? Blank(string? s) => string.IsNullOrEmpty(s) ? null : s;

    // ---- roles ----------------------------------------------------------------------------

    /// <summary>Set-AwsRole: creates the role or changes only what is given, in one store transaction.</summary>
    public Role SetRole(string? path, string name, RoleInput input)
    {
        var mount = RequireMount(path);
        RoleRules.ValidateName(name);
        Role? role = null;
        _ = Store.UpdateRole(mount.Path, name, existing =>
        {
            role = RoleRules.Apply(mount.Path, name, existing is null ? null : Role.FromJson(existing.DefinitionJson, existing.UpdatedAt), input, _clock());
            RoleRules.CheckPartition(role, MountRegion(mount.Path), ErrorKind.InvalidArgument);
            return new RoleRecord(mount.Path, name, role.ToJson(), role.UpdatedAt);
        }) ?? throw MountGone(mount.Path);
        Store.DeleteCachedCredentials(mount.Path, name);
        return role!;
    }

    public IReadOnlyList<Role> GetRoles(string? path) =>
        Store.ListRoles(RequireMount(path).Path).Select(r => Role.FromJson(r.DefinitionJson, r.UpdatedAt)).ToList();

    public Role GetRole(string? path, string name)
    {
        var mount = RequireMount(path);
        RoleRules.ValidateName(name);
        return LoadRole(mount.Path, name) ?? throw RoleNotFound(mount.Path, name);
    }

    public void RemoveRole(string? path, string name)
    {
        var mount = RequireMount(path);
        RoleRules.ValidateName(name);
        if (!Store.DeleteRole(mount.Path, name))
        {
            throw RoleNotFound(mount.Path, name);
        }

        Store.DeleteCachedCredentials(mount.Path, name);
    }

    private Role? LoadRole(string mount, string name) =>
        Store.GetRole(mount, name) is { } r ? Role.FromJson(r.DefinitionJson, r.UpdatedAt) : null;

    private static EngineException RoleNotFound(string mount, string name) =>
        new("RoleNotFound", ErrorKind.ObjectNotFound, name,
            $"There is no role '{name}' in the secrets engine at '{mount}'. Create it with Set-AwsRole {name} -PolicyArn <arn>{(mount == Mount.DefaultPath ? string.Empty : $" -Path {mount}")}, or list roles with Get-AwsRole.");

    // ---- credentials ----------------------------------------------------------------------

    public Task<IssuedCredential> IssueCredentialAsync(string? path, string roleName, TimeSpan? ttl, IOperationEvents? events, CancellationToken ct) =>
        IssueCredentialAsync(path, roleName, ttl, new StsOptions(), events, ct);

    public async Task<IssuedCredential> IssueCredentialAsync(
        string? path, string roleName, TimeSpan? ttl, StsOptions sts, IOperationEvents? events, CancellationToken ct)
    {
        var (mount, role) = ValidateRequest(path, roleName, ttl, sts);
        return await IssueAsync(mount, role, ttl, sts, events, ct).ConfigureAwait(false);
    }

    /// <summary>Everything about a credential request that can be checked without AWS, so bad input changes nothing.</summary>
    private (MountRecord Mount, Role Role) ValidateRequest(string? path, string roleName, TimeSpan? ttl, StsOptions sts)
    {
        var mount = RequireMount(path);
        var role = GetRole(mount.Path, roleName);
        // The mount's region may have moved to another partition since the role was set.
        RoleRules.CheckPartition(role, MountRegion(mount.Path), ErrorKind.InvalidOperation);
        if (ttl is { } requested)
        {
            Durations.Validate(requested, "Ttl");
        }

        var isIamUser = role.CredentialType == CredentialTypes.IamUser;
        if (isIamUser && (sts.RoleArn is not null || sts.RoleSessionName is not null || sts.MfaCode is not null))
        {
            throw new EngineException("InvalidRoleParameter", ErrorKind.InvalidArgument, role.Name,
                $"-RoleArn, -RoleSessionName and -MfaCode apply to STS roles; '{role.Name}' issues iam_user credentials.");
        }

        if (sts.RoleSessionName is { } session)
        {
            StsNames.ValidateSessionName(session);
        }

        if (!isIamUser)
        {
            StsTtl(mount, role, ttl);
        }

        return (mount, role);
    }

    private async Task<IssuedCredential> IssueAsync(MountRecord mount, Role role, TimeSpan? ttl, StsOptions sts, IOperationEvents? events, CancellationToken ct)
    {
        var clients = Clients(mount.Path);
        // Resolve root credentials before the intent is written, so "no credentials" changes nothing.
        await Translate(async () => await clients.Credentials.GetAsync(ct).ConfigureAwait(false), mount.Path).ConfigureAwait(false);
        await RecoverBeforeIssueAsync(events, ct).ConfigureAwait(false);
        var now = _clock();
        var template = Store.GetRootConfig(mount.Path)?.UsernameTemplate;

        if (role.CredentialType != CredentialTypes.IamUser)
        {
            var stsTtl = StsTtl(mount, role, ttl);
            var lease = new LeaseRecord(
                LeaseIds.New(mount.Path, role.Name), mount.Path, role.Name, role.CredentialType, LeaseState.Active,
                now, now + stsTtl, now + stsTtl, null, Renewable: false, null, null, null, null);
            var name = StsNames.Generate(template, _displayName, role, now);
            return await WithEvents(events, () => Translate(
                () => StsIssuer.IssueAsync(clients.Sts, clients.Iam, Store, role, lease, sts, name, ct), role.Name)).ConfigureAwait(false);
        }

        var (leaseTtl, maxTtl) = IamUserTtl(mount, ttl);
        var userName = StsNames.GenerateUserName(template, _displayName, role, now);
        var intent = new LeaseRecord(
            LeaseIds.New(mount.Path, role.Name), mount.Path, role.Name, role.CredentialType, LeaseState.Pending,
            now, now + leaseTtl, now + maxTtl, null, Renewable: true, userName, null, null, CurrentOwner.Value);

        return await WithEvents(events, () => Translate(() => IamUserIssuer.IssueAsync(clients.Iam, Store, role, intent, events ?? NoOperationEvents.Instance, ct, PropagationBudget), role.Name)).ConfigureAwait(false);
    }

    /// <summary>How long a request waits for another process issuing the same credentials for the cache.</summary>
    public TimeSpan CacheLockTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long issue and revoke wait for IAM to show a user (or what was attached to it) made moments ago.</summary>
    public TimeSpan PropagationBudget { get; set; } = IamPropagation.DefaultBudget;

    /// <summary>
    /// For credential_process: the cached credentials of this exact request (mount, role, its definition, type,
    /// role ARN, session name, TTL) while their lease has more than min(15 minutes, half its term) left; else a
    /// new lease whose secrets are cached, sealed like the root secret. Processes making the same request
    /// at once take turns on a lock file and look again after taking it, so only one of them issues.
    /// </summary>
    public Task<IssuedCredential> GetOrIssueCachedCredentialAsync(
        string? path, string roleName, TimeSpan? ttl, StsOptions sts, IOperationEvents? events, CancellationToken ct) =>
        GetOrIssueCachedCredentialAsync(path, roleName, ttl, sts, usableWithin: null, events, ct);

    /// <summary>
    /// As above; with <paramref name="usableWithin"/>, new iam_user credentials are cached only once AWS accepts
    /// their key (<see cref="WaitUntilNewKeyUsableAsync"/>), so a cache hit needs no wait.
    /// </summary>
    public async Task<IssuedCredential> GetOrIssueCachedCredentialAsync(
        string? path, string roleName, TimeSpan? ttl, StsOptions sts, TimeSpan? usableWithin, IOperationEvents? events, CancellationToken ct)
    {
        var (mount, role) = ValidateRequest(path, roleName, ttl, sts);
        var key = CredentialCache.RequestKey(mount.Path, role, ttl, sts);
        if (FindCachedCredential(key, events) is { } cached)
        {
            return cached;
        }

        using var turn = await Store.LockRequestAsync(key, CacheLockTimeout,
            () => events?.Verbose($"Waiting for another process issuing the same credentials for role '{role.Name}'."), ct).ConfigureAwait(false);
        // Whoever held the lock before may have just cached what this request wants.
        if (FindCachedCredential(key, events) is { } issuedMeanwhile)
        {
            return issuedMeanwhile;
        }

        var issued = await UsableOrRevokedAsync(await IssueAsync(mount, role, ttl, sts, events, ct).ConfigureAwait(false), usableWithin, events, ct).ConfigureAwait(false);
        var sealedSecrets = _secrets.Seal(System.Text.Json.JsonSerializer.Serialize(new CachedSecrets(issued.SecretAccessKey, issued.SessionToken)), CacheContext(issued.Lease.LeaseId));
        Store.PutCachedCredential(issued.Lease.LeaseId, mount.Path, role.Name, key, sealedSecrets);
        return issued;
    }

    private IssuedCredential? FindCachedCredential(string requestKey, IOperationEvents? events)
    {
        var now = _clock();
        foreach (var (lease, sealedSecrets) in Store.ListCachedCredentials(requestKey, now))
        {
            if (CredentialCache.IsReusable(lease, now))
            {
                events?.Verbose($"Reusing the cached credentials of lease {lease.LeaseId} (expires {lease.ExpireTime:u}).");
                var secrets = System.Text.Json.JsonSerializer.Deserialize<CachedSecrets>(_secrets.Open(sealedSecrets, CacheContext(lease.LeaseId)))!;
                return new IssuedCredential(lease, lease.AccessKeyId!, secrets.SecretAccessKey, secrets.SessionToken);
            }
        }

        return null;
    }

    private sealed record CachedSecrets(string SecretAccessKey, string? SessionToken);

    private static string CacheContext(string leaseId) => "credential_cache:" + leaseId;

    /// <summary>
    /// Issues, and with <paramref name="usableWithin"/> waits until AWS accepts a new iam_user key
    /// (<see cref="WaitUntilNewKeyUsableAsync"/>) before handing the credentials out.
    /// </summary>
    public async Task<IssuedCredential> IssueUsableCredentialAsync(
        string? path, string roleName, TimeSpan? ttl, StsOptions sts, TimeSpan? usableWithin, IOperationEvents? events, CancellationToken ct)
    {
        var (mount, role) = ValidateRequest(path, roleName, ttl, sts);
        var issued = await IssueAsync(mount, role, ttl, sts, events, ct).ConfigureAwait(false);
        return await UsableOrRevokedAsync(issued, usableWithin, events, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// For a new iam_user key, <see cref="WaitUntilUsableAsync"/>: IAM keys take seconds to work everywhere. STS
    /// credentials work at once, so for them this returns at once.
    /// </summary>
    public async Task WaitUntilNewKeyUsableAsync(IssuedCredential issued, TimeSpan timeout, IOperationEvents? events, CancellationToken ct)
    {
        if (issued.Lease.CredentialType == CredentialTypes.IamUser)
        {
            await WaitUntilUsableAsync(issued.Lease.Mount, issued, timeout, events, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the new key; when AWS does not accept it in time (or the wait is stopped), revokes it, since nothing was handed out.</summary>
    private async Task<IssuedCredential> UsableOrRevokedAsync(IssuedCredential issued, TimeSpan? usableWithin, IOperationEvents? events, CancellationToken ct)
    {
        if (usableWithin is not { } timeout)
        {
            return issued;
        }

        try
        {
            await WaitUntilNewKeyUsableAsync(issued, timeout, events, ct).ConfigureAwait(false);
            return issued;
        }
        catch (Exception ex)
        {
            // Not the caller's token: a stopped wait must still revoke.
            var revoke = await RevokeOneAsync(issued.Lease, force: false, events ?? NoOperationEvents.Instance, CancellationToken.None).ConfigureAwait(false);
            if (ex is EngineException { Reason: "CredentialNotUsable" } notUsable)
            {
                throw new EngineException(notUsable.Reason, notUsable.Kind, issued.Lease.LeaseId, revoke.Error is null
                    ? $"AWS did not accept the new key of lease {issued.Lease.LeaseId} within {Durations.Format(timeout)}, so the lease was revoked and nothing was handed out. Try again with a longer -Timeout, or with -NoWait to take the key at once."
                    : $"AWS did not accept the new key of lease {issued.Lease.LeaseId} within {Durations.Format(timeout)}, so nothing was handed out; revoking the lease failed too ({revoke.Error.Message}).", notUsable);
            }

            throw;
        }
    }

    /// <summary>
    /// Polls sts:GetCallerIdentity with the new credentials until AWS accepts them: a new IAM access key
    /// takes a few seconds to work everywhere. The lease stays whatever happens.
    /// </summary>
    public async Task WaitUntilUsableAsync(string? path, IssuedCredential issued, TimeSpan timeout, IOperationEvents? events, CancellationToken ct)
    {
        var mount = RequireMount(path ?? issued.Lease.Mount);
        var config = Store.GetRootConfig(mount.Path);
        var endpoints = MountEndpoints.Resolve(config);
        CheckStoredEndpoints(endpoints, config);
        var credentials = new AwsCredentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken);
        await WithEvents(events, () => WaitForKeyAsync(endpoints, credentials, timeout, (ex, code) =>
            new EngineException("CredentialNotUsable", ErrorKind.OperationTimeout, issued.Lease.LeaseId,
                $"AWS did not accept the new credentials within {Durations.Format(timeout)} ({code}). The lease {issued.Lease.LeaseId} is kept; try them again shortly or revoke it.", ex), ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// Polls sts:GetCallerIdentity (which needs no permission) with <paramref name="credentials"/> until AWS accepts
    /// them: a new access key takes seconds to work everywhere.
    /// </summary>
    private async Task<bool> WaitForKeyAsync(
        MountEndpoints endpoints, AwsCredentials credentials, TimeSpan timeout, Func<Exception, string, EngineException> timedOut, CancellationToken ct)
    {
        var probe = StsClient(endpoints, maxRetries: 0, _ => ValueTask.FromResult(credentials));
        var deadline = DateTimeOffset.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await probe.GetCallerIdentityAsync(ct).ConfigureAwait(false);
                return true;
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

    /// <summary>How long Update-AwsRootCredential waits for AWS to accept the new root key before it gives up and changes nothing.</summary>
    public static readonly TimeSpan RootKeyPropagationTimeout = TimeSpan.FromSeconds(60);

    /// <summary>STS TTL as Vault: -Ttl, else default_sts_ttl, else 1h; capped by max_sts_ttl, else the mount max; then AWS's 15 min to 12 h.</summary>
    private static TimeSpan StsTtl(MountRecord mount, Role role, TimeSpan? requested)
    {
        var ttl = requested is { } r && r > TimeSpan.Zero ? r : role.DefaultStsTtl ?? TimeSpan.FromHours(1);
        var max = role.MaxStsTtl ?? (mount.MaxLeaseTtl is { } m && m > TimeSpan.Zero ? m : null);
        if (max is { } cap && ttl > cap)
        {
            ttl = cap;
        }

        if (ttl < RoleRules.MinStsTtl || ttl > RoleRules.MaxStsTtlLimit)
        {
            throw new EngineException("InvalidDuration", ErrorKind.InvalidArgument, requested ?? ttl,
                $"STS credentials last between 15 minutes and 12 hours; {Durations.Format(ttl)} is outside that. Pass -Ttl within it (or change the role's -DefaultStsTtl/-MaxStsTtl).");
        }

        return ttl;
    }

    /// <summary>Vault's iam_user TTL: config/lease, else the mount default, else 768h; capped by lease_max, the mount max and 768h.</summary>
    private (TimeSpan Ttl, TimeSpan Max) IamUserTtl(MountRecord mount, TimeSpan? requested)
    {
        var leaseConfig = Store.GetLeaseConfig(mount.Path);
        var max = Durations.MaxLeaseTtl;
        foreach (var cap in new[] { leaseConfig?.LeaseMax, mount.MaxLeaseTtl })
        {
            if (cap is { } c && c > TimeSpan.Zero && c < max)
            {
                max = c;
            }
        }

        var ttl = requested is { } r && r > TimeSpan.Zero ? r
            : leaseConfig?.Lease is { } l && l > TimeSpan.Zero ? l
            : mount.DefaultLeaseTtl is { } d && d > TimeSpan.Zero ? d
            : Durations.DefaultLeaseTtl;
        return (ttl < max ? ttl : max, max);
    }

    // ---- leases ---------------------------------------------------------------------------

    public LeaseRecord GetLease(string leaseId)
    {
        var id = LeaseIds.Validate(leaseId);
        var lease = Store.GetLease(id);
        if (lease is null || lease.State != LeaseState.Active)
        {
            throw new EngineException("LeaseNotFound", ErrorKind.ObjectNotFound, id,
                $"There is no lease '{id}' (it was revoked, never existed, or lives in another store). Get-Lease -Prefix lists the leases this store knows.");
        }

        return lease;
    }

    /// <summary>Active leases whose id starts with the prefix, as Vault's lease list: the prefix is a path, "aws/creds/dev" means "aws/creds/dev/…".</summary>
    public IReadOnlyList<LeaseRecord> ListLeases(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return Store.ListLeasesByPrefix(string.Empty);
        }

        var p = LeaseIds.ValidatePrefix(prefix);
        return Store.ListLeasesByPrefix(p.EndsWith('/') ? p : p + "/");
    }

    /// <summary>What Revoke-Lease -Prefix acts on: as Vault, a prefix that is itself a lease id means that lease.</summary>
    public IReadOnlyList<LeaseRecord> ResolveRevokePrefix(string prefix)
    {
        var p = LeaseIds.ValidatePrefix(prefix);
        if (!p.EndsWith('/') && Store.GetLease(p) is { State: LeaseState.Active } exact)
        {
            return [exact];
        }

        return Store.ListLeasesByPrefix(p.EndsWith('/') ? p : p + "/");
    }

    public async Task<RevokeOutcome> RevokeLeaseAsync(string leaseId, bool force, IOperationEvents? events, CancellationToken ct)
    {
        var lease = GetLease(leaseId);
        return await WithEvents(events, () => RevokeOneAsync(lease, force, events ?? NoOperationEvents.Instance, ct)).ConfigureAwait(false);
    }

    /// <summary>Revokes many leases with at most <paramref name="throttleLimit"/> in flight; one failure does not stop the rest.</summary>
    public async Task<RevokeSummary> RevokeLeasesAsync(IReadOnlyList<LeaseRecord> leases, int throttleLimit, bool force, IOperationEvents? events, CancellationToken ct)
    {
        Revoker.ValidateThrottleLimit(throttleLimit);
        var sink = events ?? NoOperationEvents.Instance;
        var outcomes = new RevokeOutcome[leases.Count];
        var done = 0;
        await WithEvents(events, () => Parallel.ForEachAsync(
            Enumerable.Range(0, leases.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, throttleLimit), CancellationToken = ct },
            async (i, token) =>
            {
                outcomes[i] = await RevokeOneAsync(leases[i], force, sink, token).ConfigureAwait(false);
                var n = Interlocked.Increment(ref done);
                sink.Progress(n, leases.Count, $"Revoked {n} of {leases.Count}");
            })).ConfigureAwait(false);

        var list = outcomes.Where(o => o is not null).ToList();
        return new RevokeSummary(
            list.Count(o => o.Status is RevokeStatus.Revoked or RevokeStatus.AlreadyGone),
            list.Count(o => o.Status is RevokeStatus.Failed),
            list.Count(o => o.Status is RevokeStatus.Forgotten),
            list);
    }

    private async Task<RevokeOutcome> RevokeOneAsync(LeaseRecord lease, bool force, IOperationEvents events, CancellationToken ct)
    {
        // A lease being revoked is never handed out again, even when AWS refuses the revoke and the lease stays.
        // (On success the row would go anyway: credential_cache cascades from leases, foreign_keys is on.)
        Store.DeleteCachedCredential(lease.LeaseId);
        if (lease.CredentialType != CredentialTypes.IamUser || lease.UserName is null)
        {
            // STS credentials cannot be revoked early in AWS; forgetting the lease is all there is.
            Store.DeleteLease(lease.LeaseId);
            return new RevokeOutcome(lease.LeaseId, RevokeStatus.Revoked, null, null);
        }

        try
        {
            var clients = Clients(lease.Mount);
            var result = await Translate(() => Revoker.DeleteUserAsync(clients.Iam, lease.UserName, ct, propagationBudget: PropagationBudget), lease.UserName).ConfigureAwait(false);
            Store.DeleteLease(lease.LeaseId);
            return new RevokeOutcome(lease.LeaseId, result == UserCleanup.Deleted ? RevokeStatus.Revoked : RevokeStatus.AlreadyGone, lease.UserName, null);
        }
        catch (EngineException ex) when (!ct.IsCancellationRequested)
        {
            var failure = new EngineException("RevokeFailed", ex.Kind, lease.LeaseId,
                $"Lease {lease.LeaseId} was not revoked: {ex.Message} The lease is kept; run Revoke-Lease again, or add -Force to forget it.", ex)
            { AwsCode = ex.AwsCode };
            if (!force)
            {
                return new RevokeOutcome(lease.LeaseId, RevokeStatus.Failed, lease.UserName, failure);
            }

            Store.DeleteLease(lease.LeaseId);
            events.Warning($"Lease {lease.LeaseId} was forgotten, but its IAM user '{lease.UserName}' may still exist in AWS ({ex.AwsCode ?? ex.Reason}). Remove it by hand or with Remove-AwsOrphanUser.");
            return new RevokeOutcome(lease.LeaseId, RevokeStatus.Forgotten, lease.UserName, failure);
        }
    }

    /// <summary>
    /// Vault's lease renew: the new expiry is now + the increment (default: the mount's iam_user lease),
    /// capped at issue time + max TTL. Rewrites the expiry guard first, so AWS and the store agree.
    /// </summary>
    public async Task<RenewResult> RenewLeaseAsync(string leaseId, TimeSpan? increment, IOperationEvents? events, CancellationToken ct)
    {
        var lease = GetLease(leaseId);
        if (!lease.Renewable || lease.CredentialType != CredentialTypes.IamUser || lease.UserName is null)
        {
            throw new EngineException("LeaseNotRenewable", ErrorKind.InvalidOperation, lease.LeaseId,
                $"Lease {lease.LeaseId} ({lease.CredentialType}) is not renewable: STS credentials end at their expiry. Get new credentials with Get-AwsCredential {lease.Role}.");
        }

        var now = _clock();
        if (lease.ExpireTime <= now)
        {
            throw new EngineException("LeaseExpired", ErrorKind.InvalidOperation, lease.LeaseId,
                $"Lease {lease.LeaseId} expired at {lease.ExpireTime:u} and can no longer be renewed. Revoke it (Revoke-Lease -Expired) and get new credentials.");
        }

        if (increment is { } inc)
        {
            Durations.Validate(inc, "Increment");
        }

        var mount = RequireMount(lease.Mount);
        var wanted = now + (increment is { } i && i > TimeSpan.Zero ? i : IamUserTtl(mount, null).Ttl);
        var capped = wanted > lease.MaxExpireTime;
        var expiry = capped ? lease.MaxExpireTime : wanted;

        var clients = Clients(lease.Mount);
        await WithEvents(events, () => Translate(async () =>
        {
            await clients.Iam.PutUserPolicyAsync(lease.UserName, ExpiryGuard.PolicyName, ExpiryGuard.Document(new OwnershipMarker(Store.StoreId, lease.LeaseId, expiry)), ct).ConfigureAwait(false);
            return true;
        }, lease.LeaseId)).ConfigureAwait(false);

        if (!Store.UpdateLeaseExpiry(lease.LeaseId, expiry, now))
        {
            throw new EngineException("LeaseNotFound", ErrorKind.ObjectNotFound, lease.LeaseId,
                $"Lease {lease.LeaseId} was revoked while it was being renewed.");
        }

        return new RenewResult(Store.GetLease(lease.LeaseId)!, capped);
    }

    /// <summary>Active leases past their expiry (optionally of one mount): what Revoke-Lease -Expired sweeps.</summary>
    public IReadOnlyList<LeaseRecord> ListExpiredLeases(string? path)
    {
        var mount = path is null ? null : RequireMount(path).Path;
        return Store.ListExpiredLeases(_clock()).Where(l => mount is null || l.Mount == mount).ToList();
    }

    /// <summary>How long an issue waits on cleaning up after interrupted issues before it goes on without.</summary>
    public static readonly TimeSpan RecoveryBudget = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Issuing is where AWS is called anyway, so interrupted issues are cleaned up here (and by Revoke-Lease -Expired),
    /// never by read-only commands or tab completion; within a time budget, so an issue is not held up for long.
    /// </summary>
    private async Task RecoverBeforeIssueAsync(IOperationEvents? events, CancellationToken ct)
    {
        var now = _clock();
        if (!Store.ListPendingLeases().Any(l => IntentOwners.IsAbandoned(l, now)))
        {
            return;
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(RecoveryBudget);
        try
        {
            await RecoverAbandonedIntentsAsync(events, budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            events?.Warning($"Cleaning up after interrupted issues took longer than {Durations.Format(RecoveryBudget)}; it goes on at the next issue or Revoke-Lease -Expired.");
        }
    }

    /// <summary>
    /// Finds intents whose issuing process is gone (or that are older than 15 minutes) and removes the
    /// half-made IAM user behind each, so a crash mid-issue never strands a user. Returns how many were cleaned.
    /// </summary>
    public async Task<int> RecoverAbandonedIntentsAsync(IOperationEvents? events, CancellationToken ct)
    {
        var now = _clock();
        var abandoned = Store.ListPendingLeases().Where(l => IntentOwners.IsAbandoned(l, now)).ToList();
        var cleaned = 0;
        foreach (var intent in abandoned)
        {
            try
            {
                var clients = Clients(intent.Mount);
                var outcome = await WithEvents(events, () => Translate(
                    () => IntentCleanup.CleanUpAsync(clients.Iam, Store, intent, userCreated: false, ct, PropagationBudget), intent.UserName!)).ConfigureAwait(false);
                switch (outcome)
                {
                    case IntentOutcome.UserDeleted:
                        cleaned++;
                        events?.Verbose($"Removed IAM user '{intent.UserName}' left half-made by a process that stopped while issuing {intent.LeaseId}.");
                        break;
                    case IntentOutcome.UserNotProven:
                        events?.Warning($"IAM user '{intent.UserName}' exists, but nothing proves that the interrupted issue of {intent.LeaseId} made it (AWS never confirmed CreateUser), so it was left alone. Delete it by hand if it is yours.");
                        break;
                    default:
                        events?.Verbose($"Forgot the interrupted issue {intent.LeaseId}: it made no IAM user.");
                        break;
                }
            }
            catch (EngineException ex)
            {
                events?.Warning($"IAM user '{intent.UserName}', left half-made by a process that stopped while issuing, could not be removed yet ({ex.AwsCode ?? ex.Reason}); it will be tried again.");
            }
        }

        return cleaned;
    }

    /// <summary>
    /// IAM users under the mount's user paths, named with its username template's literal prefix, that no lease
    /// in this store knows, each with its <see cref="OrphanReason"/> read from its ownership marker.
    /// </summary>
    public async Task<IReadOnlyList<OrphanUser>> FindOrphanUsersAsync(string? path, IOperationEvents? events, CancellationToken ct)
    {
        var mount = RequireMount(path);
        var clients = Clients(mount.Path);
        var userPaths = GetRoles(mount.Path).Select(r => r.UserPath ?? "/").Distinct(StringComparer.Ordinal).DefaultIfEmpty("/").ToList();
        var prefix = Orphans.NamePrefix(Store.GetRootConfig(mount.Path)?.UsernameTemplate);
        return await WithEvents(events, () => Translate(
            () => Orphans.FindAsync(clients.Iam, Store, prefix, userPaths.Count == 1 ? userPaths[0] : "/", _clock(), ct), mount.Path)).ConfigureAwait(false);
    }

    /// <summary>Deletes an orphan, after reading its marker afresh: only Abandoned and Expired users are removed.</summary>
    public async Task<RevokeOutcome> RemoveOrphanUserAsync(string? path, string userName, IOperationEvents? events, CancellationToken ct)
    {
        var mount = RequireMount(path);
        var prefix = Orphans.NamePrefix(Store.GetRootConfig(mount.Path)?.UsernameTemplate);
        if (userName.Length is 0 or > StsNames.IamUserNameMaxLength || !userName.StartsWith(prefix, StringComparison.Ordinal) || !StsNames.IsPrincipalName(userName))
        {
            throw new EngineException("NotAnIssuedUser", ErrorKind.InvalidArgument, userName,
                $"'{userName}' is not named as this module names IAM users ('{prefix}…', at most 64 characters), so it is not removed. Delete other users with AWS's own tools.");
        }

        if (Store.ListLeaseUserNames().Contains(userName))
        {
            throw UserHasLease(userName);
        }

        var clients = Clients(mount.Path);
        return await WithEvents(events, () => Translate(async () =>
        {
            IamUser user;
            try
            {
                user = await clients.Iam.GetUserAsync(userName, ct).ConfigureAwait(false);
            }
            catch (AwsServiceException ex) when (ex.IsNoSuchEntity)
            {
                return new RevokeOutcome(userName, RevokeStatus.AlreadyGone, userName, null);
            }

            var orphan = await Orphans.ClassifyAsync(clients.Iam, Store, user, _clock(), ct).ConfigureAwait(false) ?? throw UserHasLease(userName);
            if (!orphan.Removable)
            {
                throw new EngineException("NotOwned", ErrorKind.PermissionDenied, userName, orphan.Marker is { } m
                    ? $"IAM user '{userName}' belongs to a live lease of another store ({m.StoreId}, lease {m.LeaseId}, until {m.Expiry:u}), so it was left untouched. Revoke it from that store, or remove it here after it expires."
                    : $"IAM user '{userName}' carries no DynamicAwsCreds ownership marker (a real Vault's user, one made by hand, or one issued before markers existed), so nothing proves this module made it and it was left untouched. Delete it with AWS's own tools if you are sure.");
            }

            var result = await Revoker.DeleteUserAsync(clients.Iam, userName, ct, propagationBudget: PropagationBudget).ConfigureAwait(false);
            return new RevokeOutcome(userName, result == UserCleanup.Deleted ? RevokeStatus.Revoked : RevokeStatus.AlreadyGone, userName, null);
        }, userName)).ConfigureAwait(false);
    }

    private static EngineException UserHasLease(string userName) =>
        new("UserHasLease", ErrorKind.InvalidOperation, userName,
            $"IAM user '{userName}' belongs to a lease in this store; revoke the lease with Revoke-Lease instead.");

    // ---- AWS clients ----------------------------------------------------------------------

    private sealed record MountClients(IIamApi Iam, IStsApi Sts, AwsCredentialSource Credentials, long? Generation);

    /// <summary>
    /// The mount's clients, made from its root config and made again once the config's generation changes, so a
    /// new key or endpoint set by any process (Set-AwsRootConfig, Update-AwsRootCredential) is used by the next call.
    /// </summary>
    private MountClients Clients(string mount)
    {
        var generation = Store.GetRootConfigGeneration(mount);
        lock (_clients)
        {
            if (_clients.TryGetValue(mount, out var cached) && cached.Generation == generation)
            {
                return cached;
            }
        }

        var config = Store.GetRootConfig(mount);
        var endpoints = MountEndpoints.Resolve(config);
        CheckStoredEndpoints(endpoints, config);
        var source = config?.AccessKey is { } ak && config.SecretKeyCiphertext is { } blob
            ? AwsCredentialSource.Static(new AwsCredentials(ak, _secrets.Open(blob, SecretContext(mount))))
            : AwsCredentialSource.DefaultChain();
        var retries = config?.MaxRetries is null or -1 ? RootConfig.DefaultMaxRetries : config.MaxRetries.Value;

        var iamQuery = new QueryClient(Http, ClientOptions(endpoints.Iam, "2010-05-08", retries, retryUnreachable: true), source.GetAsync);
        var clients = new MountClients(new IamClient(iamQuery), StsClient(endpoints, retries, source.GetAsync), source, config?.Generation);
        lock (_clients)
        {
            _clients[mount] = clients;
            return clients;
        }
    }

    /// <summary>STS over the mount's endpoints in order: the next is tried when one is unreachable (an AWS error answer is final).</summary>
    private static StsQueryClient StsClient(MountEndpoints endpoints, int maxRetries, Func<CancellationToken, ValueTask<AwsCredentials>> credentials)
    {
        // Before a fallback, an unreachable endpoint is left at once rather than retried.
        var queries = endpoints.Sts.Select((e, i) => new QueryClient(Http, ClientOptions(e, "2011-06-15", maxRetries, retryUnreachable: i == endpoints.Sts.Count - 1), credentials));
        return new StsQueryClient(queries.ToList(), message => CurrentEvents.Value?.Verbose(message));
    }

    private static AwsClientOptions ClientOptions(ServiceEndpoint endpoint, string version, int maxRetries, bool retryUnreachable) => new()
    {
        Endpoint = endpoint.Url,
        Region = endpoint.SigningRegion,
        Service = endpoint.Service,
        Version = version,
        MaxRetries = maxRetries,
        RetryUnreachable = retryUnreachable,
        OnCall = ReportCall,
    };

    private void ForgetClients(string mount)
    {
        lock (_clients)
        {
            _clients.Remove(mount);
        }
    }

    private static void ReportCall(AwsCallRecord call)
    {
        var status = call.ErrorCode is null ? call.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no answer" : $"{call.StatusCode} {call.ErrorCode}";
        var attempt = call.Attempt > 1 ? $" (attempt {call.Attempt})" : string.Empty;
        CurrentEvents.Value?.Verbose($"AWS {call.Service.ToUpperInvariant()} {call.Action} {call.Target ?? "-"}: {status} in {call.Elapsed.TotalMilliseconds:0} ms{attempt}");
    }

    private static async Task<T> WithEvents<T>(IOperationEvents? events, Func<Task<T>> operation)
    {
        var previous = CurrentEvents.Value;
        CurrentEvents.Value = events;
        try
        {
            return await operation().ConfigureAwait(false);
        }
        finally
        {
            CurrentEvents.Value = previous;
        }
    }

    private static async Task WithEvents(IOperationEvents? events, Func<Task> operation) =>
        await WithEvents<bool>(events, async () => { await operation().ConfigureAwait(false); return true; }).ConfigureAwait(false);

    /// <summary>Turns AWS and transport failures into EngineExceptions that keep AWS's code and message.</summary>
    private static async Task<T> Translate<T>(Func<Task<T>> call, object target)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AwsServiceException ex)
        {
            var (reason, kind) = ex.Code switch
            {
                "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation" => ("AwsAccessDenied", ErrorKind.PermissionDenied),
                "InvalidClientTokenId" or "SignatureDoesNotMatch" or "MissingAuthenticationToken" or "ExpiredToken" or "InvalidToken"
                    => ("AwsAuthenticationFailed", ErrorKind.PermissionDenied),
                "NoSuchEntity" => ("AwsNoSuchEntity", ErrorKind.ObjectNotFound),
                "EntityAlreadyExists" => ("AwsEntityAlreadyExists", ErrorKind.ResourceExists),
                "LimitExceeded" => ("AwsLimitExceeded", ErrorKind.LimitsExceeded),
                "MalformedPolicyDocument" or "ValidationError" or "InvalidInput" => ("AwsInvalidInput", ErrorKind.InvalidArgument),
                "Throttling" or "RequestLimitExceeded" or "ServiceUnavailable" or "ServiceFailure" => ("AwsUnavailable", ErrorKind.ResourceUnavailable),
                "InvalidResponse" => ("AwsInvalidResponse", ErrorKind.InvalidData),
                _ when ex.StatusCode >= 500 => ("AwsUnavailable", ErrorKind.ResourceUnavailable),
                // No AWS error in the body: a proxy's or load balancer's page, not AWS.
                "Unknown" => ("AwsInvalidResponse", ErrorKind.InvalidData),
                _ => ("AwsError", ErrorKind.NotSpecified),
            };
            throw new EngineException(reason, kind, target, $"AWS {ex.Service.ToUpperInvariant()} {ex.Action} failed: {ex.Code}: {ex.AwsMessage}", ex) { AwsCode = ex.Code };
        }
        catch (AwsTransportException ex)
        {
            throw new EngineException("AwsUnreachable", ErrorKind.ConnectionError, target, ex.Message, ex);
        }
        catch (AwsCredentialsException ex)
        {
            throw new EngineException("RootCredentialsMissing", ErrorKind.InvalidOperation, target, ex.Message, ex);
        }
        catch (InvalidDataException ex)
        {
            // A well-formed answer without what AWS documents (a proxy's page, a truncated body).
            throw new EngineException("AwsInvalidResponse", ErrorKind.InvalidData, target,
                $"AWS answered with something that is not the documented response: {ex.Message} Check the endpoint (and any proxy in between), then try again.", ex);
        }
    }

    // ---- what the cmdlets ask of the engine instead of reaching the store, rules and files themselves ----

    /// <summary>The full path of the store an engine made now would open: <paramref name="storePath"/>, else DYNAMICAWSCREDS_STORE, else the OS user's default.</summary>
    public static string ResolveStorePath(string? storePath = null) => Path.GetFullPath(storePath ?? StoreFiles.DefaultStorePath());

    /// <summary>A -ThrottleLimit: 1 to <see cref="Revoker.MaxThrottleLimit"/>, else DynamicAwsCreds.InvalidThrottleLimit.</summary>
    public static int ValidateThrottleLimit(int throttleLimit) => Revoker.ValidateThrottleLimit(throttleLimit);

    /// <summary>The lease-id prefix of a mount ("aws/"), or of one of its roles ("aws/creds/dev/"); the mount must exist.</summary>
    public string LeasePrefix(string? path, string? role = null)
    {
        var mount = RequireMount(path).Path;
        return role is null ? mount + "/" : LeaseIds.RolePrefix(mount, role);
    }

    /// <summary>Set-AwsRole -WhatIf: the role <see cref="SetRole"/> would write, checked as it checks it, written nowhere.</summary>
    public Role PreviewRole(string? path, string name, RoleInput input)
    {
        var mount = RequireMount(path);
        var role = RoleRules.Apply(mount.Path, name, LoadRole(mount.Path, RoleRules.ValidateName(name)), input, _clock());
        RoleRules.CheckPartition(role, MountRegion(mount.Path), ErrorKind.InvalidArgument);
        return role;
    }

    // ---- process identity for intents ------------------------------------------------------

    private static readonly Lazy<LeaseOwner> CurrentOwner = new(() =>
    {
        using var self = Process.GetCurrentProcess();
        return new LeaseOwner(Environment.MachineName, Environment.ProcessId, new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero));
    });

    public void Dispose()
    {
        if (_store.IsValueCreated)
        {
            _store.Value.Dispose();
        }
    }
}
