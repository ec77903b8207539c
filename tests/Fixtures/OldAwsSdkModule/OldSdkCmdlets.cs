using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;
using Amazon.Runtime;

namespace OldAwsSdkModule;

/// <summary>Which AWSSDK.Core this module bound to, and the load context it lives in.</summary>
[Cmdlet(VerbsCommon.Get, "OldSdkVersion")]
[OutputType(typeof(PSObject))]
public sealed class GetOldSdkVersionCommand : PSCmdlet
{
    protected override void EndProcessing()
    {
        var assembly = typeof(AWSCredentials).Assembly;
        var result = new PSObject();
        result.Properties.Add(new PSNoteProperty("AssemblyVersion", assembly.GetName().Version?.ToString()));
        result.Properties.Add(new PSNoteProperty("FileVersion", assembly.GetCustomAttribute<AssemblyFileVersionAttribute>()?.Version));
        result.Properties.Add(new PSNoteProperty("InformationalVersion", assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion));
        result.Properties.Add(new PSNoteProperty("Location", assembly.Location));
        result.Properties.Add(new PSNoteProperty("LoadContext", AssemblyLoadContext.GetLoadContext(assembly)?.Name));
        WriteObject(result);
    }
}

/// <summary>Exercises AWSSDK.Core 3.7 types: credentials, a client config and a region endpoint.</summary>
[Cmdlet(VerbsCommon.Get, "OldSdkCredential")]
[OutputType(typeof(PSObject))]
public sealed class GetOldSdkCredentialCommand : PSCmdlet
{
    [Parameter(Position = 0)]
    public string AccessKey { get; set; } = "AKIDEXAMPLE";

    [Parameter(Position = 1)]
    public string SecretKey { get; set; } = "secret";

    protected override void EndProcessing()
    {
        var immutable = new BasicAWSCredentials(AccessKey, SecretKey).GetCredentials();
        var region = Amazon.RegionEndpoint.GetBySystemName("eu-west-1");
        var result = new PSObject();
        result.Properties.Add(new PSNoteProperty("AccessKey", immutable.AccessKey));
        result.Properties.Add(new PSNoteProperty("UseToken", immutable.UseToken));
        result.Properties.Add(new PSNoteProperty("Region", region.SystemName));
        result.Properties.Add(new PSNoteProperty("RegionDisplayName", region.DisplayName));
        WriteObject(result);
    }
}
