using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Kinds;

/// <summary>Failures more than one credential kind reports, worded once.</summary>
internal static class KindErrors
{
    /// <summary>The mount was disabled (or is being disabled) while an issue ran.</summary>
    public static EngineException MountClosed(string mount) =>
        new("MountDisabled", ErrorKind.InvalidOperation, mount,
            $"The secrets engine at '{mount}' is being disabled (or was), so it issues no new credentials. If a Disable-SecretsEngine stopped half-way, run it again.");

    public static EngineException NotRenewable(LeaseRecord lease) =>
        new("LeaseNotRenewable", ErrorKind.InvalidOperation, lease.LeaseId,
            $"Lease {lease.LeaseId} ({lease.CredentialType}) is not renewable: STS credentials end at their expiry. Get new credentials with Get-AwsCredential {lease.Role}.");
}
