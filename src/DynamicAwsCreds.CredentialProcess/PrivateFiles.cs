using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace DynamicAwsCreds.CredentialProcess;

/// <summary>
/// The checks the helper makes before it trusts a folder or reads a file, the same as the engine's store files: no
/// symbolic link is followed, and on Unix nothing writable by the group or others, or owned by another user, is used.
/// Every check answers false (or null) rather than throwing: whatever fails them is handed over to PowerShell, which
/// reports what is wrong.
/// </summary>
internal static class PrivateFiles
{
    private const UnixFileMode OthersWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>True when <paramref name="folder"/> is a real folder (not a link to one), owned by this user and writable by no one else.</summary>
    public static bool IsPrivateFolder(string folder)
    {
        try
        {
            var info = new DirectoryInfo(folder);
            if (!info.Exists || info.LinkTarget is not null)
            {
                return false;
            }

            return OperatingSystem.IsWindows() || IsPrivate(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The bytes of <paramref name="path"/> when it is a regular file (not a link, not empty, at most
    /// <paramref name="maxBytes"/>), owned by this user and writable by no one else; otherwise null. The mode and the
    /// owner are checked on the opened file, so they are the file's that is read.
    /// </summary>
    public static byte[]? TryRead(string path, int maxBytes)
    {
        try
        {
            // lstat: a link is refused, and so is anything of no length (a fifo or socket, which could not be read as a file).
            var info = new FileInfo(path);
            if (!info.Exists || info.LinkTarget is not null || info.Length == 0 || info.Length > maxBytes)
            {
                return null;
            }

            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (!OperatingSystem.IsWindows() && !IsPrivate(handle))
            {
                return null;
            }

            var length = RandomAccess.GetLength(handle);
            if (length == 0 || length > maxBytes)
            {
                return null;
            }

            var bytes = new byte[length];
            return RandomAccess.Read(handle, bytes, 0) == length ? bytes : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [UnsupportedOSPlatform("windows")]
    private static bool IsPrivate(string folder)
    {
        var mode = File.GetUnixFileMode(folder);
        return (mode & OthersWrite) == 0 && IsMine(() => File.SetUnixFileMode(folder, mode));
    }

    [UnsupportedOSPlatform("windows")]
    private static bool IsPrivate(SafeFileHandle handle)
    {
        var mode = File.GetUnixFileMode(handle);
        return (mode & OthersWrite) == 0 && IsMine(() => File.SetUnixFileMode(handle, mode));
    }

    // Only a file's owner may change its mode, so setting the mode it already has proves it is this user's (as the
    // engine's store checks do). A read-only file system refuses the change for everyone, and nobody can change the file there either.
    private static bool IsMine(Action setSameMode)
    {
        try
        {
            setSameMode();
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
