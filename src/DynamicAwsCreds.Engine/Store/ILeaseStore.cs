namespace DynamicAwsCreds.Engine.Store;

/// <summary>
/// Everything the engine persists: mounts, root and lease config, roles, static roles, leases and their intents, and the
/// credential cache. Implementations know their database and nothing of AWS; every method is safe to call from
/// many threads and many processes at once, and no method spans an AWS call.
/// Each method that reads and then writes does both as one atomic step, so two processes (or hosts) cannot
/// interleave; there is no general transaction, so a store on a database without transactions can implement it.
/// Times and durations are kept to the millisecond (<see cref="StoredCopies"/>). "Ordinal" order is by Unicode code
/// point (<see cref="CodePointOrder"/>), as SQLite and DynamoDB compare UTF-8 text.
/// </summary>
public interface ILeaseStore : IDisposable
{
    /// <summary>Where the store lives, as a user would name it (a file path, a table URI).</summary>
    string Location { get; }

    /// <summary>The random id made when the store was created; every IAM user it issues names it.</summary>
    string StoreId { get; }

    // ---- mounts ---------------------------------------------------------------------------

    /// <summary>
    /// Adds <paramref name="mount"/> unless a mount at the same path, or one nesting with it (either path a
    /// "/"-prefix of the other), exists. Returns null when added, else that existing mount; atomic.
    /// </summary>
    MountRecord? AddMount(MountRecord mount);

    MountRecord? GetMount(string path);

    /// <summary>Every mount, ordered by path (ordinal).</summary>
    IReadOnlyList<MountRecord> ListMounts();

    /// <summary>True while the mount is enabled and not being disabled.</summary>
    bool MountTakesLeases(string path);

    /// <summary>Marks a mount as being disabled (or no longer): while marked, it takes no new lease and activates no intent. False when there is no such mount.</summary>
    bool SetMountDisabling(string path, bool disabling);

    /// <summary>Removes a mount with its root config, lease config, roles, static roles and cache entries (not its leases). False when there is no such mount.</summary>
    bool RemoveMount(string path);

    // ---- root and lease config --------------------------------------------------------------

    RootConfigRecord? GetRootConfig(string mount);

    /// <summary>The root config's generation, null when the mount has none: a cheap read, for change detection.</summary>
    long? GetRootConfigGeneration(string mount);

    /// <summary>
    /// Reads the mount's root config, passes it to <paramref name="change"/> and writes what it returns with a new
    /// random <see cref="RootConfigRecord.Generation"/>, as one atomic step. Returns the record written, or null (nothing
    /// written) when the mount does not exist. An exception from <paramref name="change"/> writes nothing, and so does
    /// a record for another mount (ArgumentException).
    /// </summary>
    RootConfigRecord? UpdateRootConfig(string mount, Func<RootConfigRecord?, RootConfigRecord> change);

    /// <summary>Writes the lease config; false (nothing written) when the mount does not exist.</summary>
    bool PutLeaseConfig(LeaseConfigRecord config);

    LeaseConfigRecord? GetLeaseConfig(string mount);

    // ---- roles ----------------------------------------------------------------------------

    /// <summary>
    /// Reads the role, passes it to <paramref name="change"/> and writes what it returns, as one atomic step.
    /// Returns the record written, or null (nothing written) when the mount does not exist. An exception from
    /// <paramref name="change"/> writes nothing, and so does a record for another mount or name (ArgumentException).
    /// </summary>
    RoleRecord? UpdateRole(string mount, string name, Func<RoleRecord?, RoleRecord> change);

    RoleRecord? GetRole(string mount, string name);

    /// <summary>The mount's roles ordered by name (ordinal).</summary>
    IReadOnlyList<RoleRecord> ListRoles(string mount);

    bool DeleteRole(string mount, string name);

    // ---- leases ---------------------------------------------------------------------------

    /// <summary>
    /// Writes a new lease (an intent, or an STS lease active at once) only while its mount is enabled and not being
    /// disabled, as one atomic step: no lease can slip in behind a disable. False when refused or the id exists.
    /// </summary>
    bool InsertLeaseUnderEnabledMount(LeaseRecord lease);

    /// <summary>
    /// Turns an intent (Pending) into an active lease, clearing its owner; refused (false) when it is not pending, its
    /// mount is being disabled or gone, or (when <paramref name="owner"/> is given) its owner is no longer
    /// <paramref name="owner"/> (another host took the intent over after its deadline passed).
    /// </summary>
    bool ActivateLease(string leaseId, string? accessKeyId, LeaseOwner? owner = null);

    /// <summary>
    /// Compare-and-swap of a lease's owner, as one atomic step (a conditional write): when the lease exists and its
    /// owner equals <paramref name="expected"/> (null: no owner; otherwise every field, the deadline included), sets
    /// it to <paramref name="claimant"/> (null releases it) and returns true; otherwise writes nothing and returns
    /// false. Revokes, sweeps and intent recovery claim a lease this way before calling AWS, so two hosts never both
    /// work on one lease; the claimant moves its deadline on with the same call (expected = its current self).
    /// The lease's state is unchanged.
    /// </summary>
    bool ClaimLease(string leaseId, LeaseOwner? expected, LeaseOwner? claimant);

    /// <summary>Records that CreateUser answered for this intent: from here on its user is provably this store's.</summary>
    bool MarkUserCreated(string leaseId);

    bool WasUserCreated(string leaseId);

    bool UpdateLeaseExpiry(string leaseId, DateTimeOffset expireTime, DateTimeOffset renewedAt);

    /// <summary>Deletes the lease and its cache entry; false when it was already gone (so two revokers of one lease see one true).</summary>
    bool DeleteLease(string leaseId);

    LeaseRecord? GetLease(string leaseId);

    /// <summary>Leases whose id starts with <paramref name="prefix"/> (ordinal, case-sensitive), ordered by id (ordinal), optionally only active ones.</summary>
    IReadOnlyList<LeaseRecord> ListLeasesByPrefix(string prefix, bool activeOnly = true);

    /// <summary>Every intent (Pending lease), oldest first.</summary>
    IReadOnlyList<LeaseRecord> ListPendingLeases();

    /// <summary>Active leases whose expiry is at or before <paramref name="now"/>, soonest first.</summary>
    IReadOnlyList<LeaseRecord> ListExpiredLeases(DateTimeOffset now);

    /// <summary>Every IAM user name a lease (active or intent) knows, for the orphan scan.</summary>
    IReadOnlySet<string> ListLeaseUserNames();

    /// <summary>Active leases of the mount.</summary>
    long CountLeases(string mount);

    /// <summary>
    /// Remembers (a tombstone) that this store revoked <paramref name="leaseId"/>, until <paramref name="keepUntil"/>,
    /// so revoking it again succeeds quietly. Tombstones whose time is at or before <paramref name="now"/> are dropped
    /// by the same call, so the store keeps no more of them than it revoked within their lifetime.
    /// </summary>
    void RememberRevokedLease(string leaseId, DateTimeOffset keepUntil, DateTimeOffset now);

    /// <summary>True while this store holds the tombstone of <paramref name="leaseId"/> (its keep-until is after <paramref name="now"/>).</summary>
    bool WasLeaseRevoked(string leaseId, DateTimeOffset now);

    /// <summary>Adds many active leases at once (moving a store, filling one for the bench); ids that exist are left as they are. Returns how many were added.</summary>
    int ImportLeases(IEnumerable<LeaseRecord> leases);

    // ---- sealed secrets and the credential cache -----------------------------------------------

    /// <summary>True when any row holds a sealed secret (root key, cache entry or static role key).</summary>
    bool HasSealedSecrets();

    /// <summary>Keeps a lease's sealed secrets for reuse by requests with <paramref name="requestKey"/>; the entry goes with its lease (nothing is kept for a lease that is gone).</summary>
    void PutCachedCredential(string leaseId, string mount, string role, string requestKey, byte[] sealedSecrets);

    /// <summary>The cached credentials of <paramref name="requestKey"/> whose active lease lasts past <paramref name="now"/>, longest-lasting first.</summary>
    IReadOnlyList<(LeaseRecord Lease, byte[] Sealed)> ListCachedCredentials(string requestKey, DateTimeOffset now);

    /// <summary>Forgets the cached credentials of one lease (the lease itself stays).</summary>
    void DeleteCachedCredential(string leaseId);

    /// <summary>Forgets the cached credentials of a mount, or of one of its roles (the leases stay).</summary>
    void DeleteCachedCredentials(string mount, string? role = null);

    /// <summary>
    /// Takes the exclusive lock of one request key (hex digits), shared by every thread and process using this
    /// store, waiting while another holder has it: at most <paramref name="timeout"/> (then
    /// DynamicAwsCreds.RequestLockTimeout), or until <paramref name="ct"/> is cancelled. <paramref name="waiting"/>
    /// is called once, when the lock is found taken. A holder that dies releases it.
    /// </summary>
    Task<IDisposable> LockRequestAsync(string requestKey, TimeSpan timeout, Action? waiting, CancellationToken ct);

    // ---- static roles ---------------------------------------------------------------------

    /// <summary>
    /// Reads the static role, passes it to <paramref name="change"/> and writes what it returns, as one atomic step
    /// (a rotation's conditional update). Returns the record written, or null (nothing written) when the mount does not
    /// exist. An exception from <paramref name="change"/> writes nothing, and so does a record for another mount or name
    /// (ArgumentException). Removing the mount removes its static roles.
    /// </summary>
    StaticRoleRecord? UpdateStaticRole(string mount, string name, Func<StaticRoleRecord?, StaticRoleRecord> change);

    StaticRoleRecord? GetStaticRole(string mount, string name);

    /// <summary>The mount's static roles ordered by name (ordinal).</summary>
    IReadOnlyList<StaticRoleRecord> ListStaticRoles(string mount);

    /// <summary>The static roles of every mount whose next rotation is at or before <paramref name="now"/>, soonest first.</summary>
    IReadOnlyList<StaticRoleRecord> ListDueStaticRoles(DateTimeOffset now);

    /// <summary>False when there was no such static role.</summary>
    bool DeleteStaticRole(string mount, string name);
}
