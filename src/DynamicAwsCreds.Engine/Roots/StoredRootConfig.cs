using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Roots;

/// <summary>How a stored root config is read back: the sealing context of its secret, its retries, and whether its endpoints may be used.</summary>
internal static class StoredRootConfig
{
    /// <summary>The context the root secret of <paramref name="mount"/> is sealed under, so it cannot be moved to another mount's row.</summary>
    public static string SecretContext(string mount) => "root_config:" + mount;

    public static int MaxRetries(RootConfigRecord? config) =>
        config?.MaxRetries is null or -1 ? RootConfig.DefaultMaxRetries : config.MaxRetries.Value;

    /// <summary>Stored endpoints are used only if they pass today's rules (a row from an older version may not).</summary>
    public static void CheckEndpoints(MountEndpoints endpoints, RootConfigRecord? config) =>
        EndpointRules.Check(endpoints, _ => config?.EndpointsVetted == true, config?.Mount ?? Mount.DefaultPath, stored: true);
}
