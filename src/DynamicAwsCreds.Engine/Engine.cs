using DynamicAwsCreds.Engine.Cache;
using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Kinds;
using DynamicAwsCreds.Engine.Leases;
using DynamicAwsCreds.Engine.Mounts;
using DynamicAwsCreds.Engine.OrphanUsers;
using DynamicAwsCreds.Engine.Profiles;
using DynamicAwsCreds.Engine.Revoke;
using DynamicAwsCreds.Engine.Roles;
using DynamicAwsCreds.Engine.Roots;
using DynamicAwsCreds.Engine.StaticRoles;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Stores;

namespace DynamicAwsCreds.Engine;

/// <summary>
/// The one door the cmdlets use: one per runspace. Each call runs through the <see cref="EngineBoundary"/>, where
/// every failure the engine knows becomes an EngineException with a reason, and is done by the service of its
/// concept. Owns the store, the AWS clients per mount and the resolved root credentials. Knows nothing of PowerShell.
/// </summary>
public sealed class CredsEngine : IDisposable
{
    private readonly EngineContext _context;
    private readonly EngineBoundary _boundary;
    private readonly MountService _mounts;
    private readonly MountDisabling _disabling;
    private readonly RootConfigService _roots;
    private readonly RootKeyRotation _rotation;
    private readonly LeaseConfigService _leaseConfig;
    private readonly RoleService _roles;
    private readonly LeaseQueries _leases;
    private readonly LeaseIssuing _issuing;
    private readonly UsableCredentials _usable;
    private readonly LeaseRenewal _renewal;
    private readonly LeaseRevocation _revocation;
    private readonly IntentRecovery _recovery;
    private readonly CachedCredentials _cache;
    private readonly OrphanService _orphans;
    private readonly StoreCopy _copy;
    private readonly StaticRoleService _staticRoles;
    private readonly CredentialProfiles _profiles;

    public CredsEngine(EngineOptions options)
    {
        _context = new EngineContext(options);
        _boundary = new EngineBoundary(options.StoreLocation);
        _mounts = new MountService(_context);
        _roots = new RootConfigService(_context, _mounts);
        _rotation = new RootKeyRotation(_context, _mounts);
        _leaseConfig = new LeaseConfigService(_context, _mounts);
        _roles = new RoleService(_context, _mounts, _roots);
        _leases = new LeaseQueries(_context, _mounts);
        var kinds = new KindContexts(_context, _mounts);
        _revocation = new LeaseRevocation(_context, kinds);
        _recovery = new IntentRecovery(_context);
        _issuing = new LeaseIssuing(_context, _mounts, _roles, _roots, _recovery, kinds);
        _usable = new UsableCredentials(_context, _mounts, _revocation);
        _renewal = new LeaseRenewal(_leases, kinds);
        _cache = new CachedCredentials(_context, _issuing, _usable, _revocation);
        _orphans = new OrphanService(_context, _mounts, _roles);
        _staticRoles = new StaticRoleService(_context, _mounts);
        _disabling = new MountDisabling(_context, _mounts, _revocation, _recovery);
        _copy = new StoreCopy(_context);
        _profiles = new CredentialProfiles(_context, _roles);
    }

    /// <summary>An engine on the SQLite store at <paramref name="storePath"/> (default: the user's store), with the system clock unless <paramref name="clock"/> is given.</summary>
    public CredsEngine(string? storePath = null, string? displayName = null, Func<DateTimeOffset>? clock = null)
        : this(EngineOptions.ForSqlite(storePath) with
        {
            DisplayName = displayName ?? Environment.UserName,
            Time = clock is null ? TimeProvider.System : new FunctionTimeProvider(clock),
        })
    {
    }

    /// <summary>Where the store lives (for SQLite, the full file path; for DynamoDB, the table URI).</summary>
    public string StorePath => _context.StoreLocation;

    /// <summary>The kind of store: SQLite or DynamoDB.</summary>
    public string StoreKind => _context.StoreKind;

    /// <summary>The store's random id, named in the ownership marker of every IAM user it issues.</summary>
    public string StoreId => _boundary.Run(() => _context.Store.StoreId);

    /// <summary>How long a request waits for another process issuing the same credentials for the cache.</summary>
    public TimeSpan CacheLockTimeout
    {
        get => _cache.LockTimeout;
        set => _cache.LockTimeout = value;
    }

    /// <summary>How long issue and revoke wait for IAM to show a user (or what was attached to it) made moments ago.</summary>
    public TimeSpan PropagationBudget
    {
        get => _context.PropagationBudget;
        set => _context.PropagationBudget = value;
    }

    // ---- mounts ---------------------------------------------------------------------------

    public MountInfo EnableMount(string type, string? path, string? description, TimeSpan? defaultLeaseTtl, TimeSpan? maxLeaseTtl) =>
        _boundary.Run(() => _mounts.Enable(type, path, description, defaultLeaseTtl, maxLeaseTtl));

    public IReadOnlyList<MountInfo> GetMounts() => _boundary.Run(_mounts.List);

    public MountInfo GetMount(string? path) => _boundary.Run(() => _mounts.Get(path));

    /// <summary>The mount's leases that would be revoked by disabling it.</summary>
    public int CountMountLeases(string? path) => _boundary.Run(() => _mounts.CountLeases(path));

    /// <summary>Disable-SecretsEngine: revokes every lease under the path, then removes its config and roles.</summary>
    public Task<RevokeSummary> DisableMountAsync(string? path, int throttleLimit, bool force, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(path, events, ct, () => _disabling.DisableAsync(path, throttleLimit, force, ct));

    // ---- root and lease config ------------------------------------------------------------

    public RootConfigInfo SetRootConfig(string? path, RootConfigInput input) => _boundary.Run(() => _roots.Set(path, input));

    public RootConfigInfo GetRootConfig(string? path) => _boundary.Run(() => _roots.Get(path));

    /// <summary>Vault's config/rotate-root (Update-AwsRootCredential).</summary>
    public Task<RootConfigInfo> RotateRootAsync(string? path, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(path, events, ct, () => _rotation.RotateAsync(path, ct));

    public LeaseConfigRecord SetLeaseConfig(string? path, TimeSpan lease, TimeSpan leaseMax) => _boundary.Run(() => _leaseConfig.Set(path, lease, leaseMax));

    public LeaseConfigRecord? GetLeaseConfig(string? path) => _boundary.Run(() => _leaseConfig.Get(path));

    // ---- roles ----------------------------------------------------------------------------

    public Role SetRole(string? path, string name, RoleInput input) => _boundary.Run(() => _roles.Set(path, name, input));

    public IReadOnlyList<Role> GetRoles(string? path) => _boundary.Run(() => _roles.List(path));

    public Role GetRole(string? path, string name) => _boundary.Run(() => _roles.Get(path, name));

    public void RemoveRole(string? path, string name) => _boundary.Run(() => _roles.Remove(path, name));

    /// <summary>The TTL a request for the role without -Ttl gets now and the longest it may ask for, defaults applied; null when none would pass.</summary>
    public LeaseTerm? RoleTerm(Role role) => _boundary.Run(() => _issuing.Term(role));

    // ---- credentials ----------------------------------------------------------------------

    public Task<IssuedCredential> IssueCredentialAsync(string? path, string roleName, TimeSpan? ttl, IOperationEvents? events, CancellationToken ct) =>
        IssueCredentialAsync(path, roleName, ttl, new StsOptions(), events, ct);

    public Task<IssuedCredential> IssueCredentialAsync(string? path, string roleName, TimeSpan? ttl, StsOptions sts, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(roleName, events, ct, () => _issuing.IssueAsync(path, roleName, ttl, sts, ct));

    /// <summary>
    /// Issues, and with <paramref name="usableWithin"/> waits until AWS accepts a new iam_user key
    /// (<see cref="WaitUntilNewKeyUsableAsync"/>) before handing the credentials out; revokes them when it does not in time.
    /// </summary>
    public Task<IssuedCredential> IssueUsableCredentialAsync(
        string? path, string roleName, TimeSpan? ttl, StsOptions sts, TimeSpan? usableWithin, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(roleName, events, ct, async () =>
            await _usable.UsableOrRevokedAsync(await _issuing.IssueAsync(path, roleName, ttl, sts, ct).ConfigureAwait(false), usableWithin, ct).ConfigureAwait(false));

    /// <summary>For credential_process: the cached credentials of this exact request while they last, else new ones that are cached (<see cref="CachedCredentials"/>).</summary>
    public Task<IssuedCredential> GetOrIssueCachedCredentialAsync(
        string? path, string roleName, TimeSpan? ttl, StsOptions sts, IOperationEvents? events, CancellationToken ct) =>
        GetOrIssueCachedCredentialAsync(path, roleName, ttl, sts, usableWithin: null, events, ct);

    /// <summary>As above; with <paramref name="usableWithin"/>, new iam_user credentials are cached only once AWS accepts their key, so a cache hit needs no wait.</summary>
    public Task<IssuedCredential> GetOrIssueCachedCredentialAsync(
        string? path, string roleName, TimeSpan? ttl, StsOptions sts, TimeSpan? usableWithin, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(roleName, events, ct, () => _cache.GetOrIssueAsync(path, roleName, ttl, sts, usableWithin, ct));

    /// <summary>For a new iam_user key, <see cref="WaitUntilUsableAsync"/>. STS credentials work at once, so for them this returns at once.</summary>
    public Task WaitUntilNewKeyUsableAsync(IssuedCredential issued, TimeSpan timeout, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(issued.Lease.LeaseId, events, ct, () => _usable.WaitUntilNewKeyUsableAsync(issued, timeout, ct));

    /// <summary>Polls sts:GetCallerIdentity with the new credentials until AWS accepts them. The lease stays whatever happens.</summary>
    public Task WaitUntilUsableAsync(string? path, IssuedCredential issued, TimeSpan timeout, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(issued.Lease.LeaseId, events, ct, () => _usable.WaitUntilUsableAsync(path, issued, timeout, ct));

    // ---- leases ---------------------------------------------------------------------------

    public LeaseRecord GetLease(string leaseId) => _boundary.Run(() => _leases.Get(leaseId));

    /// <summary>Active leases whose id starts with the prefix, as Vault's lease list: the prefix is a path, "aws/creds/dev" means "aws/creds/dev/…".</summary>
    public IReadOnlyList<LeaseRecord> ListLeases(string? prefix) => _boundary.Run(() => _leases.List(prefix));

    /// <summary>What Revoke-Lease -Prefix acts on: as Vault, a prefix that is itself a lease id means that lease.</summary>
    public IReadOnlyList<LeaseRecord> ResolveRevokePrefix(string prefix) => _boundary.Run(() => _leases.ResolveRevokePrefix(prefix));

    /// <summary>The warning for a Revoke-Lease -Prefix under no enabled mount, naming the mounts there are; null when the prefix is within one.</summary>
    public string? RevokePrefixWarning(string prefix) => _boundary.Run(() => _leases.UnmountedPrefixWarning(prefix));

    /// <summary>Active leases past their expiry (optionally of one mount): what Revoke-Lease -Expired sweeps.</summary>
    public IReadOnlyList<LeaseRecord> ListExpiredLeases(string? path) => _boundary.Run(() => _leases.ListExpired(path));

    /// <summary>The active lease Revoke-Lease names; null when this store revoked it already (revoking again succeeds quietly, as in Vault).</summary>
    public LeaseRecord? FindLeaseToRevoke(string leaseId) => _boundary.Run(() => _leases.FindToRevoke(leaseId));

    public Task<RevokeOutcome> RevokeLeaseAsync(string leaseId, bool force, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(leaseId, events, ct, async () => _leases.FindToRevoke(leaseId) is { } lease
            ? await _revocation.RevokeOneAsync(lease, force, ct).ConfigureAwait(false)
            : new RevokeOutcome(leaseId, RevokeStatus.AlreadyGone, null, null));

    /// <summary>
    /// Revokes many leases (a prefix, a sweep) with at most <paramref name="throttleLimit"/> in flight; one failure does
    /// not stop the rest. A lease another live host is revoking, or has revoked, is left out of the summary.
    /// </summary>
    public Task<RevokeSummary> RevokeLeasesAsync(IReadOnlyList<LeaseRecord> leases, int throttleLimit, bool force, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(null, events, ct, () => _revocation.RevokeManyAsync(leases, throttleLimit, force, ct));

    /// <summary>
    /// Revokes leases named by id, as <see cref="RevokeLeasesAsync"/>, except that a lease another live host holds is a
    /// DynamicAwsCreds.LeaseBusy failure and one revoked meanwhile counts as already gone.
    /// </summary>
    public Task<RevokeSummary> RevokeNamedLeasesAsync(IReadOnlyList<LeaseRecord> leases, int throttleLimit, bool force, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(null, events, ct, () => _revocation.RevokeManyAsync(leases, throttleLimit, force, ct, named: true));

    /// <summary>Vault's lease renew (iam_user leases only), capped at issue time + max TTL.</summary>
    public Task<RenewResult> RenewLeaseAsync(string leaseId, TimeSpan? increment, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(leaseId, events, ct, () => _renewal.RenewAsync(leaseId, increment, ct));

    /// <summary>Removes the half-made IAM users of issues whose owner is gone (deadline passed, or process ended on this host); returns how many were removed.</summary>
    public Task<int> RecoverAbandonedIntentsAsync(IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(null, events, ct, () => _recovery.RecoverAbandonedAsync(ct));

    // ---- orphans --------------------------------------------------------------------------

    /// <summary>IAM users named by this mount's template that no lease of this store knows, each with its <see cref="OrphanReason"/>.</summary>
    public Task<IReadOnlyList<OrphanUser>> FindOrphanUsersAsync(string? path, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(path, events, ct, () => _orphans.FindAsync(path, ct));

    /// <summary>Deletes an orphan, after reading its marker afresh: only Abandoned and Expired users are removed.</summary>
    public Task<RevokeOutcome> RemoveOrphanUserAsync(string? path, string userName, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(userName, events, ct, () => _orphans.RemoveAsync(path, userName, ct));

    // ---- moving a store ---------------------------------------------------------------------

    /// <summary>Copy-LeaseStore -WhatIf: what <see cref="CopyStoreAsync"/> would copy, checked as it checks it; nothing is written, not even the table.</summary>
    public StoreCopySummary PlanStoreCopy(StoreCopyRequest request) => _boundary.Run(() => _copy.Plan(request));

    /// <summary>Copy-LeaseStore: a SQLite store's mounts, config, roles and live leases into a DynamoDB table, under the source's store id.</summary>
    public Task<StoreCopySummary> CopyStoreAsync(StoreCopyRequest request, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(request.Destination, events, ct, () => Task.FromResult(_copy.Copy(request, ct)));

    // ---- static roles ---------------------------------------------------------------------

    /// <summary>Set-AwsStaticRole -WhatIf: the checks <see cref="SetStaticRoleAsync"/> makes before any AWS call; writes nothing.</summary>
    public void CheckStaticRole(string? path, string name, string userName, TimeSpan rotationPeriod) =>
        _boundary.Run(() => _staticRoles.Check(path, name, userName, rotationPeriod));

    /// <summary>Vault's static-roles write: takes the IAM user's key into management (GetUser, a first managed key), or changes the period.</summary>
    public Task<StaticRole> SetStaticRoleAsync(string? path, string name, string userName, TimeSpan rotationPeriod, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(name, events, ct, () => _staticRoles.SetAsync(path, name, userName, rotationPeriod, ct));

    public IReadOnlyList<StaticRole> GetStaticRoles(string? path) => _boundary.Run(() => _staticRoles.List(path));

    public StaticRole GetStaticRole(string? path, string name) => _boundary.Run(() => _staticRoles.Get(path, name));

    /// <summary>Forgets the static role; the IAM user and its current key stay.</summary>
    public void RemoveStaticRole(string? path, string name) => _boundary.Run(() => _staticRoles.Remove(path, name));

    /// <summary>Vault's static-creds: the current key, rotated first when the period has passed.</summary>
    public Task<StaticCredential> GetStaticCredentialAsync(string? path, string name, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(name, events, ct, () => _staticRoles.GetCredentialAsync(path, name, ct));

    /// <summary>Rotates the static role's key now.</summary>
    public Task<StaticRole> RotateStaticCredentialAsync(string? path, string name, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(name, events, ct, () => _staticRoles.RotateNowAsync(path, name, ct));

    /// <summary>Rotates every static role (of one mount, or of all when <paramref name="path"/> is null) whose period has passed.</summary>
    public Task<StaticRotationSummary> RotateDueStaticCredentialsAsync(string? path, IOperationEvents? events, CancellationToken ct) =>
        _boundary.RunAsync(path, events, ct, () => _staticRoles.RotateDueAsync(path, ct));

    // ---- AWS config file profiles --------------------------------------------------------------

    /// <summary>Register-AwsCredentialProfile -WhatIf: the profile <see cref="RegisterProfile"/> would write, checked as it checks it; nothing is written.</summary>
    public RegisteredProfile PlanProfile(ProfileRegistration request) => _boundary.Run(() => _profiles.Plan(request));

    /// <summary>Writes the profile's credential_process (this store, the role) into the AWS config file, every other line kept.</summary>
    public RegisteredProfile RegisterProfile(ProfileRegistration request) => _boundary.Run(() => _profiles.Register(request));

    /// <summary>Unregister-AwsCredentialProfile -WhatIf: true when the whole section would go, false when only the lines Register wrote.</summary>
    public bool PlanUnregisterProfile(string profileName, string? configFile) => _boundary.Run(() => _profiles.PlanUnregister(profileName, configFile));

    /// <summary>Removes what Register-AwsCredentialProfile wrote for the profile; true when that was the whole section.</summary>
    public bool UnregisterProfile(string profileName, string? configFile) => _boundary.Run(() => _profiles.Unregister(profileName, configFile));

    /// <summary>The AWS config file a profile command uses: <paramref name="given"/>, else AWS_CONFIG_FILE, else ~/.aws/config.</summary>
    public static string ResolveConfigFile(string? given) => CredentialProfiles.ConfigFile(given);

    // ---- what the cmdlets ask of the engine instead of reaching the store, rules and files themselves ----

    /// <summary>The full path of the SQLite store an engine made now would open: <paramref name="storePath"/>, else DYNAMICAWSCREDS_STORE, else the OS user's default.</summary>
    public static string ResolveStorePath(string? storePath = null) => Path.GetFullPath(storePath ?? StoreFiles.DefaultStorePath());

    /// <summary>
    /// The store an engine made now would open: <paramref name="value"/> read as DYNAMICAWSCREDS_STORE is
    /// (<see cref="StoreLocation.Parse"/>), else that variable's value; malformed is DynamicAwsCreds.InvalidStoreLocation.
    /// </summary>
    public static StoreLocation ResolveStoreLocation(string? value = null) =>
        value is null ? StoreLocation.FromEnvironment() : StoreLocation.Parse(value);

    /// <summary>A -ThrottleLimit: 1 to <see cref="Revoker.MaxThrottleLimit"/>, else DynamicAwsCreds.InvalidThrottleLimit.</summary>
    public static int ValidateThrottleLimit(int throttleLimit) => Revoker.ValidateThrottleLimit(throttleLimit);

    /// <summary>The lease-id prefix of a mount ("aws/"), or of one of its roles ("aws/creds/dev/"); the mount must exist.</summary>
    public string LeasePrefix(string? path, string? role = null) => _boundary.Run(() =>
    {
        var mount = _mounts.Require(path).Path;
        return role is null ? mount + "/" : LeaseIds.RolePrefix(mount, role);
    });

    /// <summary>Set-AwsRole -WhatIf: the role <see cref="SetRole"/> would write, checked as it checks it, written nowhere.</summary>
    public Role PreviewRole(string? path, string name, RoleInput input) => _boundary.Run(() => _roles.Preview(path, name, input));

    public void Dispose() => _context.Dispose();
}
