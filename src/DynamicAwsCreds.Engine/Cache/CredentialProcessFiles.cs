using System.Security.Cryptography;
using DynamicAwsCreds.Engine.Issue;
using DynamicAwsCreds.Engine.Store;
using DynamicAwsCreds.Engine.Store.Sealing;
using DynamicAwsCreds.Shared;

namespace DynamicAwsCreds.Engine.Cache;

/// <summary>
/// The engine's side of the credential_process cache files (docs/CREDENTIAL-PROCESS-CACHE.md, format in
/// <see cref="CredentialProcessCache"/>): it writes a plain request's answer for the native helper, and deletes the
/// entries of cache rows the store forgets. Only a SQLite store sealed with its own key file has them; for any other
/// store every method does nothing. A file that cannot be written or deleted never fails the call it is part of: a
/// missing entry only sends the helper to PowerShell.
/// </summary>
internal sealed class CredentialProcessFiles
{
    /// <summary>Larger files are not entries (one is a few hundred bytes, a few KiB with a session token) and are not read.</summary>
    private const int MaxEntryBytes = 64 * 1024;

    private static readonly CredentialProcessFiles None = new(null, null);

    private readonly string? _folder;
    private readonly KeyFileSealer? _sealer;

    private CredentialProcessFiles(string? folder, KeyFileSealer? sealer)
    {
        _folder = folder;
        _sealer = sealer;
    }

    /// <summary>The files of the SQLite store at <paramref name="storePath"/> when <paramref name="sealer"/> is its key file's sealer; else none.</summary>
    public static CredentialProcessFiles For(string? storePath, ISecretSealer sealer) =>
        storePath is not null && sealer is KeyFileSealer keyFile
            && string.Equals(Path.GetFullPath(keyFile.KeyFile), CredentialProcessCache.KeyFile(storePath), StringComparison.Ordinal)
            ? new CredentialProcessFiles(CredentialProcessCache.CacheFolder(storePath), keyFile)
            : None;

    /// <summary>A request the files answer: a mount and a role, with no TTL, role ARN, session name or MFA code.</summary>
    public static bool IsPlain(TimeSpan? ttl, StsOptions sts) => ttl is null && sts is { RoleArn: null, RoleSessionName: null, MfaCode: null };

    /// <summary>
    /// Writes or replaces the entry of the request (<paramref name="mount"/>, <paramref name="role"/>) with
    /// <paramref name="answer"/>: sealed, to a private temporary file in the folder, then renamed over the entry.
    /// False when nothing was written (no files here, or a folder or file that could not be used: said in one verbose line).
    /// </summary>
    public bool Write(string mount, string role, IssuedCredential answer)
    {
        if (_folder is null)
        {
            return false;
        }

        var secrets = CredentialProcessCache.SecretsJson(answer.SecretAccessKey, answer.SessionToken);
        string? temporary = null;
        try
        {
            RequirePrivateFolder(_folder);
            var name = CredentialProcessCache.EntryName(mount, role);
            var lease = answer.Lease;
            var entry = new CacheEntry(mount, role, lease.LeaseId, answer.AccessKeyId, CredentialCache.TermStart(lease), lease.ExpireTime, []);
            entry = entry with { Sealed = _sealer!.SealBytes(secrets, CredentialProcessCache.SealingContext(name, entry)) };
            temporary = Path.Combine(_folder, "." + name + "." + Guid.NewGuid().ToString("n") + ".tmp");
            using (var file = new FileStream(temporary, StoreFiles.PrivateFileOptions(FileMode.CreateNew)))
            {
                file.Write(CredentialProcessCache.Write(entry));
            }

            File.Move(temporary, Path.Combine(_folder, name), overwrite: true);
            temporary = null;
            return true;
        }
        catch (Exception ex) when (ex is EngineException or IOException or UnauthorizedAccessException)
        {
            EngineOperation.Events.Verbose($"No credential_process cache file was written for role '{role}': {EngineException.Sentence(ex.Message)} The request is answered all the same; the native helper hands it to PowerShell.");
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secrets);
            if (temporary is not null)
            {
                Delete(temporary);
            }
        }
    }

    /// <summary>Deletes the entry of the request (<paramref name="mount"/>, <paramref name="role"/>), if there is one: no look through the folder.</summary>
    public void Forget(string mount, string role)
    {
        if (_folder is not null && !IsLink(_folder))
        {
            Delete(Path.Combine(_folder, CredentialProcessCache.EntryName(mount, role)));
        }
    }

    /// <summary>Deletes every entry of <paramref name="mount"/>, in one look through the folder.</summary>
    public void ForgetMount(string mount) => ForgetWhere(e => e.Mount.Trim('/') == mount.Trim('/'));

    /// <summary>Deletes the entries of these leases, in one look through the folder however many leases there are.</summary>
    public void ForgetLeases(IEnumerable<string> leaseIds)
    {
        if (_folder is null)
        {
            return;
        }

        var ids = leaseIds.ToHashSet(StringComparer.Ordinal);
        if (ids.Count > 0)
        {
            ForgetWhere(e => ids.Contains(e.LeaseId));
        }
    }

    /// <summary>Reads each entry's plaintext fields (nothing is unsealed) and deletes the ones that match.</summary>
    private void ForgetWhere(Func<CacheEntry, bool> matches)
    {
        if (_folder is null || !Directory.Exists(_folder) || IsLink(_folder))
        {
            return;
        }

        try
        {
            foreach (var file in new DirectoryInfo(_folder).EnumerateFiles("*.entry"))
            {
                if (file.LinkTarget is null && file.Length <= MaxEntryBytes
                    && CredentialProcessCache.TryRead(File.ReadAllBytes(file.FullName)) is { } entry && matches(entry))
                {
                    Delete(file.FullName);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            EngineOperation.Events.Verbose($"The credential_process cache folder '{_folder}' could not be read through: {EngineException.Sentence(ex.Message)} Entries of leases the store has forgotten may be left in it.");
        }
    }

    private static void RequirePrivateFolder(string folder)
    {
        if (IsLink(folder))
        {
            throw new IOException($"The folder '{folder}' is a symbolic link, which the native helper does not follow.");
        }

        StoreFiles.EnsurePrivateFolder(folder);
    }

    private static bool IsLink(string folder) => new DirectoryInfo(folder).LinkTarget is not null;

    private static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            EngineOperation.Events.Verbose($"The credential_process cache file '{path}' could not be deleted: {EngineException.Sentence(ex.Message)}");
        }
    }
}
