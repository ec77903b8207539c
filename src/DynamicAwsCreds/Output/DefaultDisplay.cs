using System.Management.Automation;

namespace DynamicAwsCreds;

/// <summary>
/// The properties PowerShell shows when no view of DynamicAwsCreds.format.ps1xml applies (for example the list
/// Out-Default falls back to when a credential follows a table of another type): never SecretKey or SessionToken.
/// Each object carries its own PSStandardMembers set, rather than a types file: loading a types file makes every
/// Import-Module rebuild PowerShell's type table, which cost about 80–100 ms of a cold start.
/// </summary>
internal static class DefaultDisplay
{
    private static readonly string[] LeaseProperties =
        ["LeaseId", "LeaseDuration", "Renewable", "AccessKey", "Expiration", "CredentialType", "UserName"];

    private static readonly string[] StaticProperties = ["Name", "UserName", "AccessKey", "LastRotated", "Expiration", "Mount"];

    public static PSObject Of(AwsCredentialLease credential) => With(credential, LeaseProperties);

    public static PSObject Of(AwsStaticCredential credential) => With(credential, StaticProperties);

    private static PSObject With(object value, string[] properties)
    {
        var wrapped = PSObject.AsPSObject(value);
        if (wrapped.Members["PSStandardMembers"] is null)
        {
            wrapped.Members.Add(new PSMemberSet("PSStandardMembers", [new PSPropertySet("DefaultDisplayPropertySet", properties)]));
        }

        return wrapped;
    }
}
