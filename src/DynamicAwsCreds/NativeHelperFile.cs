namespace DynamicAwsCreds;

/// <summary>
/// The native credential_process helper shipped in the module folder (native/&lt;rid&gt;/dynamicawscreds-credential-process).
/// A module installed from a .nupkg (Install-PSResource, Save-PSResource) comes out of a zip file, which keeps no Unix
/// file modes, so the helper arrives without its execute bit; the module gives it back when it is imported.
/// </summary>
internal static class NativeHelperFile
{
    private const string Name = "dynamicawscreds-credential-process";

    /// <summary>
    /// On Unix, adds execute permission to each helper in the module folder wherever it has read permission (u, g, o).
    /// A helper this user may not change (a module installed for all users by another account) is left as it is.
    /// </summary>
    public static void RestoreExecuteBits()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var native = Path.Combine(Path.GetDirectoryName(typeof(NativeHelperFile).Assembly.Location)!, "native");
        try
        {
            if (!Directory.Exists(native))
            {
                return;
            }

            foreach (var helper in Directory.EnumerateFiles(native, Name, SearchOption.AllDirectories))
            {
                var mode = File.GetUnixFileMode(helper);
                var executable = mode
                    | ((mode & UnixFileMode.UserRead) != 0 ? UnixFileMode.UserExecute : 0)
                    | ((mode & UnixFileMode.GroupRead) != 0 ? UnixFileMode.GroupExecute : 0)
                    | ((mode & UnixFileMode.OtherRead) != 0 ? UnixFileMode.OtherExecute : 0);
                if (executable != mode && new FileInfo(helper).LinkTarget is null)
                {
                    File.SetUnixFileMode(helper, executable);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not this user's to change: the helper stays as installed, and PowerShell's credential_process line still works.
        }
    }
}
