using System.Management.Automation;
using DynamicAwsCreds.Engine.Profiles;

namespace DynamicAwsCreds;

/// <summary>Where this module runs from, as a credential_process line needs it.</summary>
internal static class ModuleHost
{
    public const string HelperName = "dynamicawscreds-credential-process";

    public static CredentialProcessHost For(PSCmdlet cmdlet)
    {
        var folder = Path.GetDirectoryName(typeof(ModuleHost).Assembly.Location)!;
        var windows = OperatingSystem.IsWindows();
        var helper = DependencyLoadContext.RuntimeIdentifier() is { } rid
            ? Path.Combine(folder, "native", rid, HelperName + (windows ? ".exe" : ""))
            : null;
        var pshome = cmdlet.SessionState.PSVariable.GetValue("PSHOME") as string ?? AppContext.BaseDirectory;
        var pwsh = Path.Combine(pshome, windows ? "pwsh.exe" : "pwsh");
        // Where $PSHOME has no pwsh executable (PowerShell run as `dotnet pwsh.dll`), dotnet runs pwsh.dll.
        var dotnet = Environment.ProcessPath is { } process && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "dotnet";
        return new CredentialProcessHost(
            helper is not null && File.Exists(helper) ? helper : null,
            Path.Combine(folder, "DynamicAwsCreds.psd1"),
            File.Exists(pwsh) ? pwsh : Path.Combine(pshome, "pwsh.dll"),
            dotnet);
    }
}
