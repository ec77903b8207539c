using System.ComponentModel;
using System.Diagnostics;
using DynamicAwsCreds.Shared;

namespace DynamicAwsCreds.CredentialProcess;

/// <summary>
/// A request the cache cannot answer goes to PowerShell: under the request's lock (so helpers started together on a
/// cold cache wait for the first one's answer instead of each starting PowerShell), look again, and if it is still a
/// miss run <c>Export-AwsCredential -Role … -Mount … -Cache -Format CredentialProcess</c> with the built module,
/// passing its stdout, stderr and exit code through. It answers as it always did and writes a fresh entry.
/// </summary>
internal static class HandOver
{
    private const string ManifestName = "DynamicAwsCreds.psd1";

    public static int Run(HelperArguments request, CacheSite site)
    {
        using (var held = RequestLock.Take(site))
        {
            if (held is not null && CachedAnswer.TryRead(site, request, DateTimeOffset.UtcNow) is { } answer)
            {
                CredentialProcessOutput.Write(answer);
                return 0;
            }

            return RunPowerShell(request, site);
        }
    }

    private static int RunPowerShell(HelperArguments request, CacheSite site)
    {
        var manifest = ModuleManifest();
        var command = ExportCommand.Script(manifest, request.Mount, request.Role);
        var start = new ProcessStartInfo { UseShellExecute = false };
        if (request.Pwsh.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            // The project's pinned PowerShell is a dotnet tool: its pwsh.dll runs on the dotnet host.
            start.FileName = "dotnet";
            start.ArgumentList.Add(request.Pwsh);
        }
        else
        {
            start.FileName = request.Pwsh;
        }

        foreach (var argument in new[] { "-NoProfile", "-NonInteractive", "-Command", command })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DYNAMICAWSCREDS_STORE"] = site.StoreSetting;
        try
        {
            using var pwsh = Process.Start(start)
                ?? throw new HelperException("PowerShellNotStarted", $"'{start.FileName}' did not start.");
            pwsh.WaitForExit();
            return pwsh.ExitCode;
        }
        catch (Win32Exception ex)
        {
            throw new HelperException("PowerShellNotStarted",
                $"the cache holds no usable answer, and PowerShell '{start.FileName}' could not be started to get one ({ex.Message}). Install PowerShell 7.4+ or name it with --pwsh.");
        }
    }

    // The module this helper was built into: native/<rid>/ sits two folders below its manifest.
    private static string ModuleManifest()
    {
        var self = Environment.ProcessPath
            ?? throw new HelperException("ModuleNotFound", "the helper's own path is unknown, so the module beside it cannot be found.");
        var real = File.ResolveLinkTarget(self, returnFinalTarget: true)?.FullName ?? self;
        var manifest = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(real)!, "..", "..", ManifestName));
        return File.Exists(manifest)
            ? manifest
            : throw new HelperException("ModuleNotFound", $"'{manifest}' is missing: the helper must stay in the module's native/<rid> folder.");
    }
}
