namespace DynamicAwsCreds.Engine.Store;

/// <summary>Owner-only folders and files: 0700 and 0600 on Unix from the first byte, the owner's ACL on Windows.</summary>
public static class StoreFiles
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// The SQLite store path: the file DYNAMICAWSCREDS_STORE names, else <see cref="PerUserStorePath"/>. When it names
    /// a DynamoDB table, or is malformed, DynamicAwsCreds.InvalidStoreLocation.
    /// </summary>
    public static string DefaultStorePath() => StoreLocation.FromEnvironment() switch
    {
        SqliteStoreLocation file => file.Path,
        var other => throw StoreLocation.Invalid(other.Display, "a SQLite store file is needed here, and it names a DynamoDB table"),
    };

    /// <summary>The OS user's store in this OS's per-user data folder, whatever DYNAMICAWSCREDS_STORE says (the rule the native helper shares).</summary>
    public static string PerUserStorePath() => DynamicAwsCreds.Shared.StorePaths.PerUserStorePath();

    public static void EnsurePrivateFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            RefuseInsecure(folder);
            return;
        }

        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, PrivateFolder);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EngineException("StoreUnavailable", ErrorKind.PermissionDenied, folder,
                $"The store folder '{folder}' cannot be created: {EngineException.Sentence(ex.Message)} Set DYNAMICAWSCREDS_STORE to a writable file path.", ex);
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> HeaderChecked = new(StringComparer.Ordinal);

    /// <summary>
    /// Refuses (on Unix) an existing store folder or file that somebody else could change: one writable by its
    /// group or by others, or one owned by another user. It could swap the store, the key or a lock under us.
    /// </summary>
    public static void RefuseInsecure(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            var who = (mode & UnixFileMode.OtherWrite) != 0 ? "every user" : "its group";
            throw Insecure(path, $"it is writable by {who}", $"chmod go-w '{path}'");
        }

        try
        {
            // Only a file's owner may change its mode, so setting the mode it already has proves it is ours.
            File.SetUnixFileMode(path, mode);
        }
        catch (UnauthorizedAccessException)
        {
            throw Insecure(path, "it belongs to another user", $"move it aside, or make it yours with chown $(id -u) '{path}'");
        }
        catch (IOException)
        {
            // A read-only file system: nobody can change it there either.
        }
    }

    private static EngineException Insecure(string path, string why, string fix) =>
        new("StoreInsecure", ErrorKind.PermissionDenied, path,
            $"The store path '{path}' is not private: {why}, so another account could change the store, its key or its locks. Nothing was read or written. Fix it with: {fix}");

    /// <summary>Write access, shared with no one (an exclusive flock on Unix), created 0600 on Unix when <paramref name="mode"/> creates.</summary>
    public static FileStreamOptions PrivateFileOptions(FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        return options;
    }

    /// <summary>
    /// Creates <paramref name="path"/> owner-only if it is missing; if it exists and is not empty,
    /// checks it starts with <paramref name="expectedHeader"/> (when given) and never touches it otherwise.
    /// </summary>
    public static void EnsurePrivateFile(string path, ReadOnlySpan<byte> expectedHeader = default)
    {
        EnsurePrivateFolder(Path.GetDirectoryName(path)!);
        try
        {
            if (!File.Exists(path))
            {
                try
                {
                    using var _ = new FileStream(path, PrivateFileOptions(FileMode.CreateNew));
                }
                catch (IOException) when (File.Exists(path))
                {
                    // Another process created it first: fine.
                }

                return;
            }

            RefuseInsecure(path);
            // Only before this process has SQLite connections to the file: closing any handle of a file drops every
            // POSIX lock this process holds on it, SQLite's included. Later, SQLite itself reports a file that is not a store.
            if (expectedHeader.IsEmpty || !HeaderChecked.TryAdd(path, true))
            {
                return;
            }

            Span<byte> head = stackalloc byte[expectedHeader.Length];
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var read = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            if (read > 0 && (read < head.Length || !head.SequenceEqual(expectedHeader)))
            {
                throw new EngineException("StoreCorrupt", ErrorKind.InvalidData, path,
                    $"The file '{path}' is not a DynamicAwsCreds store (not SQLite). It was left untouched; move it aside or point DYNAMICAWSCREDS_STORE elsewhere.");
            }
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new EngineException("StoreUnavailable", ErrorKind.PermissionDenied, path,
                $"The store '{path}' cannot be opened: {ex.Message}", ex);
        }
    }
}
