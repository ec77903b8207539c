// Compiled into the engine and the native credential_process helper (see CredentialProcessCache.cs), so both find
// the same per-user store.
namespace DynamicAwsCreds.Shared;

/// <summary>Where the OS user's SQLite store lives when DYNAMICAWSCREDS_STORE names none.</summary>
internal static class StorePaths
{
    /// <summary>
    /// The OS user's store in this OS's per-user data folder: %LOCALAPPDATA%\DynamicAwsCreds\store.db on Windows,
    /// ${XDG_DATA_HOME:-~/.local/share}/DynamicAwsCreds/store.db elsewhere.
    /// </summary>
    public static string PerUserStorePath()
    {
        string root;
        if (OperatingSystem.IsWindows())
        {
            root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        }
        else
        {
            // .NET 8 moved macOS's LocalApplicationData, so resolve XDG ourselves on every Unix.
            var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            root = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        }

        return Path.Combine(root, "DynamicAwsCreds", "store.db");
    }
}
