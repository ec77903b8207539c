using System.Management.Automation;

namespace DynamicAwsCreds.Cmdlets;

/// <summary>
/// Get-AwsOrphanUser: IAM users under the mount's user path, named as this module names users, that no lease
/// in the store knows — each with the Reason its ownership marker gives (Abandoned, Expired, Foreign).
/// </summary>
[Cmdlet(VerbsCommon.Get, "AwsOrphanUser")]
[OutputType(typeof(AwsOrphanUser))]
public sealed class GetAwsOrphanUserCommand : DynamicAwsCredsCmdlet
{
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(MountPathCompleter))]
    public string Path { get; set; } = "aws";

    protected override void Process()
    {
        foreach (var user in Run((events, ct) => Engine.FindOrphanUsersAsync(Path, events, ct), "Listing IAM users"))
        {
            WriteObject(new AwsOrphanUser(Path, user));
        }
    }
}
