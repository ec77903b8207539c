using System.Text;
using System.Text.RegularExpressions;
using DynamicAwsCreds.Shared;

namespace DynamicAwsCreds.Engine.Profiles;

/// <summary>
/// The credential_process command line of a profile: the native helper when the module has one for this platform,
/// else PowerShell running Export-AwsCredential -Cache. Quoted so that every reader splits it into the same
/// arguments: on Unix the AWS CLI splits it as a POSIX shell does (shlex) and the SDKs hand it to <c>sh -c</c>;
/// on Windows the AWS CLI splits it by the C runtime's rules and the SDKs hand it to <c>cmd.exe /c</c>.
/// </summary>
internal static partial class CredentialProcessCommand
{
    /// <summary>
    /// The command line for a request. <paramref name="host"/> names the helper (null where none exists), the module
    /// manifest and the PowerShell to run; <paramref name="store"/> is pinned, so the profile keeps using the store in
    /// force when it was registered.
    /// </summary>
    public static string For(CredentialProcessHost host, string store, string mount, string role, bool windows)
    {
        var pwsh = host.PowerShell;
        string[] words = host.Helper is { } helper
            ? [helper, "--role", role, "--mount", mount, "--store", store, "--pwsh", pwsh]
            : [.. PowerShellCommand(pwsh, host.DotNet), "-NoProfile", "-NonInteractive", .. ScriptArguments(Script(host.ModuleManifest, store, mount, role), windows)];
        var line = Join(words, windows);
        if (CommentPattern().IsMatch(line) || line.Contains('\n') || line.Contains('\r'))
        {
            throw new EngineException("CredentialProcessNotPortable", ErrorKind.InvalidArgument, line,
                "The credential_process line would contain a line break, or a space followed by '#' or ';', which some AWS SDKs read "
                + "as the start of a comment, so they would run only part of it. Move the store (DYNAMICAWSCREDS_STORE) or the module "
                + "to a path without them. Nothing was written.");
        }

        return line;
    }

    /// <summary>
    /// -Command and the script, except on Windows: there the SDKs run the line with cmd.exe /c, which strips the first
    /// and last quote of a line that starts with one (pwsh.exe in "Program Files") and has more, so the script goes
    /// as -EncodedCommand (base64 of UTF-16LE), which needs no quotes.
    /// </summary>
    private static string[] ScriptArguments(string script, bool windows) =>
        windows ? ["-EncodedCommand", Convert.ToBase64String(Encoding.Unicode.GetBytes(script))] : ["-Command", script];

    /// <summary>A pwsh.dll is run as <c>dotnet pwsh.dll</c>; an executable as it is.</summary>
    private static string[] PowerShellCommand(string pwsh, string dotnet) =>
        pwsh.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? [dotnet, pwsh] : [pwsh];

    /// <summary>
    /// The script PowerShell runs: the store pinned in its environment, the module imported from where it is now, the
    /// cached credentials exported. Free of '$', so a POSIX shell leaves it alone inside double quotes.
    /// </summary>
    public static string Script(string manifest, string store, string mount, string role) =>
        $"Set-Item Env:{Store.StoreLocation.EnvironmentVariable} {PowerShellString(store)};" + ExportCommand.Script(manifest, mount, role);

    /// <summary>A PowerShell single-quoted string (<see cref="ExportCommand.PowerShellString"/>).</summary>
    public static string PowerShellString(string value) => ExportCommand.PowerShellString(value);

    public static string Join(IEnumerable<string> words, bool windows) =>
        string.Join(' ', words.Select(w => windows ? QuoteWindows(w) : QuotePosix(w)));

    /// <summary>
    /// A word as a POSIX shell and Python's shlex both read it back: bare when it has nothing special; in double quotes
    /// when it has none of $ ` " \ (which the two would read differently there); else in single quotes.
    /// </summary>
    public static string QuotePosix(string word)
    {
        if (word.Length > 0 && PosixPlain().IsMatch(word))
        {
            return word;
        }

        if (word.IndexOfAny(['$', '`', '"', '\\']) < 0)
        {
            return '"' + word + '"';
        }

        return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>
    /// A word as the C runtime's argument rules read it back (CommandLineToArgvW, and the AWS CLI on Windows); also
    /// quoted when it holds a character cmd.exe would act on outside quotes (a dynamodb:// store's '&amp;').
    /// </summary>
    public static string QuoteWindows(string word)
    {
        if (word.Length > 0 && word.IndexOfAny([' ', '\t', '"', '&', '|', '<', '>', '^', '(', ')']) < 0)
        {
            return word;
        }

        var text = new StringBuilder("\"");
        var backslashes = 0;
        foreach (var c in word)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }

            // Backslashes are literal unless a quote follows them: then each is doubled, and the quote escaped.
            text.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes).Append(c);
            backslashes = 0;
        }

        return text.Append('\\', backslashes * 2).Append('"').ToString();
    }

    [GeneratedRegex(@"^[A-Za-z0-9_@%+=:,./-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex PosixPlain();

    [GeneratedRegex(@"\s[#;]", RegexOptions.CultureInvariant)]
    private static partial Regex CommentPattern();
}

/// <summary>
/// Where the module runs from, as the credential_process line needs it: the native helper for this platform (null
/// where none was built), the module manifest, the PowerShell to run (an executable, or a pwsh.dll that
/// <paramref name="DotNet"/> runs), and the dotnet host for that case.
/// </summary>
public sealed record CredentialProcessHost(string? Helper, string ModuleManifest, string PowerShell, string DotNet = "dotnet");
