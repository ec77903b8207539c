// Compiled into the engine and the native credential_process helper (see CredentialProcessCache.cs).
namespace DynamicAwsCreds.Shared;

/// <summary>
/// One cached credential_process answer: the lease it came from (mount, role, id, access key id, the start of its
/// current term and its expiry) in plaintext, and its secrets sealed (<see cref="CredentialProcessCache.SealingContext"/>).
/// </summary>
internal sealed record CacheEntry(string Mount, string Role, string LeaseId, string AccessKeyId, DateTimeOffset TermStart, DateTimeOffset Expires, byte[] Sealed);
