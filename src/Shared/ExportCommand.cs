// Compiled into the engine and the native credential_process helper, so the PowerShell line a registered profile runs
// and the one the helper hands a miss to are the same command.
using System.Text;

namespace DynamicAwsCreds.Shared;

/// <summary>The PowerShell script that answers a credential_process request through the module: import it, export the cached credentials.</summary>
internal static class ExportCommand
{
    /// <summary><c>Import-Module '&lt;manifest&gt;';Export-AwsCredential -Role '&lt;role&gt;' -Mount '&lt;mount&gt;' -Cache -Format CredentialProcess</c>, with no '$' in it.</summary>
    public static string Script(string manifest, string mount, string role) =>
        $"Import-Module {PowerShellString(manifest)};"
        + $"Export-AwsCredential -Role {PowerShellString(role)} -Mount {PowerShellString(mount)} -Cache -Format CredentialProcess";

    /// <summary>A PowerShell single-quoted string; PowerShell takes the typographic single quotes as quotes too, so each is doubled.</summary>
    public static string PowerShellString(string value)
    {
        var text = new StringBuilder("'");
        foreach (var c in value)
        {
            text.Append(c);
            if (c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B')
            {
                text.Append(c);
            }
        }

        return text.Append('\'').ToString();
    }
}
