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
    private readonly Lazy<LeaseStore> _store;
    private readonly SecretBox _secrets;
    private readonly string _displayName;
    private readonly Func<DateTimeOffset> _clock;

    public CredsEngine(string? storePath = null, string? displayName = null, Func<DateTimeOffset>? clock = null)
    {
        StorePath = Path.GetFullPath(storePath ?? StoreFiles.DefaultStorePath());
        _store = new Lazy<LeaseStore>(() => LeaseStore.Open(StorePath));
        _secrets = SecretBox.ForStore(StorePath);
        _displayName = displayName ?? Environment.UserName;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
    }

    public string StorePath { get; }

    private LeaseStore Store => _store.Value;

    // ---- mounts ---------------------------------------------------------------------------

    public MountInfo EnableMount(string type, string? path, string? description, TimeSpan? defaultLeaseTtl, TimeSpan? maxLeaseTtl)
    {
        var t = Mount.NormalizeType(type);
        var p = Mount.NormalizePath(path ?? Mount.DefaultPath);
        CheckTtlPair(defaultLeaseTtl, maxLeaseTtl, "DefaultLeaseTtl", "MaxLeaseTtl");
        var record = new MountRecord(p, t, description, defaultLeaseTtl, maxLeaseTtl, _clock());
        if (!Store.TryAddMount(record))
        {
            throw new EngineException("PathInUse", ErrorKind.ResourceExists, p,
                $"A secrets engine is already enabled at '{p}'. Choose another -Path, or Disable-SecretsEngine '{p}' first.");
        }

        return ToInfo(record);
    }

    public IReadOnlyList<MountInfo> GetMounts() => Store.ListMounts().Select(ToInfo).ToList();

    public MountInfo GetMount(string? path) => ToInfo(RequireMount(path));

    private MountInfo ToInfo(MountRecord m) =>
        new(m.Path, m.Type, m.Description, m.DefaultLeaseTtl, m.MaxLeaseTtl, Store.CountLeases(m.Path), m.CreatedAt, StorePath);

    private MountRecord RequireMount(string? path)
    {
        var p = Mount.NormalizePath(path ?? Mount.DefaultPath);
        return Store.GetMount(p) ?? throw new EngineException("MountNotFound", ErrorKind.ObjectNotFound, p,
            $"No secrets engine is enabled at '{p}'. Run: Enable-SecretsEngine aws{(p == Mount.DefaultPath ? string.Empty : $" -Path {p}")}");
    }

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

    public RootConfigInfo SetRootConfig(string? path, RootConfigInput input)
    {
        var mount = RequireMount(path);
        RootConfig.ValidateKeys(input.AccessKey, input.SecretKey);
        var region = RootConfig.ValidateRegion(input.Region);
        var iamEndpoint = RootConfig.ValidateEndpoint(input.IamEndpoint, "IamEndpoint");
        var stsEndpoint = RootConfig.ValidateEndpoint(input.StsEndpoint, "StsEndpoint");
        RootConfig.ValidateMaxRetries(input.MaxRetries);

        var existing = Store.GetRootConfig(mount.Path);
        var record = new RootConfigRecord(
            mount.Path,
            input.AccessKey ?? existing?.AccessKey,
            input.SecretKey is { } secret ? _secrets.Seal(secret, SecretContext(mount.Path)) : existing?.SecretKeyCiphertext,
            Blank(region ?? existing?.Region),
            Blank(iamEndpoint ?? existing?.IamEndpoint),
            Blank(stsEndpoint ?? existing?.StsEndpoint),
            input.MaxRetries ?? existing?.MaxRetries,
            Blank(input.UsernameTemplate ?? existing?.UsernameTemplate));
        Store.PutRootConfig(record);
        ForgetClients(mount.Path);
        return ToInfo(record);
    }

    public RootConfigInfo GetRootConfig(string? path)
    {
        var mount = RequireMount(path);
        return ToInfo(Store.GetRootConfig(mount.Path) ?? new RootConfigRecord(mount.Path, null, null, null, null, null, null, null));
    }

    private static RootConfigInfo ToInfo(RootConfigRecord r) => new(
        r.Mount, r.AccessKey, r.SecretKeyCiphertext is not null,
        r.AccessKey is null ? "DefaultChain" : "RootConfig",
        RootConfig.ResolveRegion(r.Region), r.IamEndpoint, r.StsEndpoint,
        r.MaxRetries is null or -1 ? RootConfig.DefaultMaxRetries : r.MaxRetries.Value, r.UsernameTemplate);

    private static string SecretContext(string mount) => "root_config:" + mount;

    private static string? Blank(string? s) => string.IsNullOrEmpty(s) ? null : s;

    // ---- roles ----------------------------------------------------------------------------

    public Role SetRole(string? path, string name, RoleInput input)
    {
        var mount = RequireMount(path);
        RoleRules.ValidateName(name);
        var existing = LoadRole(mount.Path, name);
        var role = RoleRules.Apply(mount.Path, name, existing, input, _clock());
        Store.PutRole(new RoleRecord(mount.Path, name, role.ToJson(), role.UpdatedAt));
        return role;
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
    }

    private Role? LoadRole(string mount, string name) =>
        Store.GetRole(mount, name) is { } r ? Role.FromJson(r.DefinitionJson, r.UpdatedAt) : null;

    private static EngineException RoleNotFound(string mount, string name) =>
        new("RoleNotFound", ErrorKind.ObjectNotFound, name,
            $"There is no role '{name}' in the secrets engine at '{mount}'. Create it with Set-AwsRole {name} -PolicyArn <arn>{(mount == Mount.DefaultPath ? string.Empty : $" -Path {mount}")}, or list roles with Get-AwsRole.");

    // ---- credentials ----------------------------------------------------------------------

    public async Task<IssuedCredential> IssueCredentialAsync(string? path, string roleName, TimeSpan? ttl, IOperationEvents? events, CancellationToken ct)
    {
        var mount = RequireMount(path);
        var role = GetRole(mount.Path, roleName);
        if (ttl is { } requested)
        {
            Durations.Validate(requested, "Ttl");
        }

        if (role.CredentialType != CredentialTypes.IamUser)
        {
            throw new EngineException("CredentialTypeNotSupported", ErrorKind.NotSpecified, role.CredentialType,
                $"Role '{role.Name}' has credential type {role.CredentialType}; this version issues iam_user credentials only.");
        }

        var clients = await ClientsAsync(mount.Path, ct).ConfigureAwait(false);
        // Resolve root credentials before the intent is written, so "no credentials" changes nothing.
        await Translate(async () => await clients.Credentials.GetAsync(ct).ConfigureAwait(false), mount.Path).ConfigureAwait(false);
        var now = _clock();
        var (leaseTtl, maxTtl) = IamUserTtl(mount, ttl);
        var userName = UsernameTemplate.IamUserName(_displayName, role.Name, now);
        var intent = new LeaseRecord(
            LeaseIds.New(mount.Path, role.Name), mount.Path, role.Name, role.CredentialType, LeaseState.Pending,
            now, now + leaseTtl, now + maxTtl, null, Renewable: true, userName, null, null, CurrentOwner.Value);

        return await WithEvents(events, () => Translate(() => IamUserIssuer.IssueAsync(clients.Iam, Store, role, intent, ct), role.Name)).ConfigureAwait(false);
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
        if (lease.CredentialType != CredentialTypes.IamUser || lease.UserName is null)
        {
            // STS credentials cannot be revoked early in AWS; forgetting the lease is all there is.
            Store.DeleteLease(lease.LeaseId);
            return new RevokeOutcome(lease.LeaseId, RevokeStatus.Revoked, null, null);
        }

        try
        {
            var clients = await ClientsAsync(lease.Mount, ct).ConfigureAwait(false);
            var result = await Translate(() => Revoker.DeleteUserAsync(clients.Iam, lease.UserName, ct), lease.UserName).ConfigureAwait(false);
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

    // ---- AWS clients ----------------------------------------------------------------------

    private sealed record MountClients(IamClient Iam, StsQueryClient Sts, AwsCredentialSource Credentials);

    private async Task<MountClients> ClientsAsync(string mount, CancellationToken ct)
    {
        lock (_clients)
        {
            if (_clients.TryGetValue(mount, out var cached))
            {
                return cached;
            }
        }

        var config = Store.GetRootConfig(mount);
        var region = RootConfig.ResolveRegion(config?.Region);
        var source = config?.AccessKey is { } ak && config.SecretKeyCiphertext is { } blob
            ? AwsCredentialSource.Static(new AwsCredentials(ak, _secrets.Open(blob, SecretContext(mount))))
            : AwsCredentialSource.DefaultChain();
        var retries = config?.MaxRetries is null or -1 ? RootConfig.DefaultMaxRetries : config.MaxRetries.Value;

        var iamQuery = new QueryClient(Http, new AwsClientOptions
        {
            Endpoint = config?.IamEndpoint is { } iamUrl ? new Uri(iamUrl) : AwsClientOptions.DefaultIamEndpoint,
            Region = "us-east-1",
            Service = "iam",
            Version = "2010-05-08",
            MaxRetries = retries,
            OnCall = ReportCall,
        }, source.GetAsync);
        var stsQuery = new QueryClient(Http, new AwsClientOptions
        {
            Endpoint = config?.StsEndpoint is { } stsUrl ? new Uri(stsUrl) : AwsClientOptions.DefaultStsEndpoint(region),
            Region = region,
            Service = "sts",
            Version = "2011-06-15",
            MaxRetries = retries,
            OnCall = ReportCall,
        }, source.GetAsync);

        var clients = new MountClients(new IamClient(iamQuery), new StsQueryClient(stsQuery), source);
        await Task.CompletedTask.ConfigureAwait(false);
        lock (_clients)
        {
            return _clients.TryAdd(mount, clients) ? clients : _clients[mount];
        }
    }

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
