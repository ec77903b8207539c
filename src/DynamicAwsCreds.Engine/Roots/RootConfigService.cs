using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Mounts;
using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Roots;

/// <summary>Vault's config/root: the keys, region, endpoints and username template a mount calls AWS with.</summary>
internal sealed class RootConfigService(EngineContext context, MountService mounts)
{
    /// <summary>Set-AwsRootConfig: changes only what is given, in one store transaction (another process's change is never lost).</summary>
    public RootConfigInfo Set(string? path, RootConfigInput input)
    {
        var mount = mounts.Require(path);
        RootConfig.ValidateKeys(input.AccessKey, input.SecretKey);
        var region = RootConfig.ValidateRegion(input.Region);
        var iamEndpoint = RootConfig.ValidateEndpoint(input.IamEndpoint, "IamEndpoint");
        var stsEndpoint = RootConfig.ValidateEndpoint(input.StsEndpoint, "StsEndpoint");
        RootConfig.ValidateMaxRetries(input.MaxRetries);
        if (!string.IsNullOrEmpty(input.UsernameTemplate))
        {
            StsNames.ValidateTemplate(input.UsernameTemplate);
        }

        var kmsKeyId = RootConfig.ValidateKmsKeyId(input.KmsKeyId);
        if (kmsKeyId is not null)
        {
            // A store whose sealer takes no named key (the file store) refuses one before anything happens.
            MountSealing.Keyed(context, kmsKeyId);
        }

        // Sealing calls KMS in a shared store, so it happens before the store's transaction; a refusal changes nothing.
        var stored = context.Store.GetRootConfig(mount.Path);
        var sealingKey = kmsKeyId ?? stored?.KmsKeyId;
        var secretContext = StoredRootConfig.SecretContext(mount.Path);
        byte[]? sealedSecret = null;
        if (input.SecretKey is { } secret)
        {
            sealedSecret = MountSealing.Seal(context, mount.Path, sealingKey, secret, secretContext, MountSealing.RootKeys);
        }
        else if (kmsKeyId is not null && kmsKeyId != stored?.KmsKeyId && !input.ClearKeys && stored?.SecretKeyCiphertext is { } kept)
        {
            // The stored secret moves to the new key, so the config never names a key its secret is not sealed with.
            sealedSecret = MountSealing.Keyed(context, kmsKeyId).Seal(context.Sealer.Open(kept, secretContext), secretContext, kmsKeyId);
        }

        var record = context.Store.UpdateRootConfig(mount.Path, existing =>
        {
            if (input.ClearKeys)
            {
                existing = existing is null ? null : existing with { AccessKey = null, SecretKeyCiphertext = null };
            }

            return RootConfig.ApplyEndpointSettings(new RootConfigRecord(
                mount.Path,
                input.AccessKey ?? existing?.AccessKey,
                sealedSecret ?? existing?.SecretKeyCiphertext,
                Blank(region ?? existing?.Region),
                Blank(iamEndpoint ?? existing?.IamEndpoint),
                Blank(stsEndpoint ?? existing?.StsEndpoint),
                input.MaxRetries ?? existing?.MaxRetries,
                Blank(input.UsernameTemplate ?? existing?.UsernameTemplate))
            {
                KmsKeyId = kmsKeyId ?? existing?.KmsKeyId ?? sealingKey,
            }, existing, input);
        }) ?? throw MountService.Gone(mount.Path);
        context.Clients.Forget(mount.Path);
        // Cached credentials came from the old account, keys or endpoints.
        context.Store.DeleteCachedCredentials(mount.Path);
        context.CacheFiles.ForgetMount(mount.Path);
        return Info(record);
    }

    public RootConfigInfo Get(string? path)
    {
        var mount = mounts.Require(path);
        return Info(context.Store.GetRootConfig(mount.Path) ?? new RootConfigRecord(mount.Path, null, null, null, null, null, null, null));
    }

    /// <summary>The region the mount calls AWS in (its partition decides which ARNs its roles may name).</summary>
    public string Region(string mount) => RootConfig.ResolveRegion(context.Store.GetRootConfig(mount)?.Region);

    public static RootConfigInfo Info(RootConfigRecord r)
    {
        var endpoints = MountEndpoints.Resolve(r);
        string? problem = null;
        try
        {
            StoredRootConfig.CheckEndpoints(endpoints, r);
        }
        catch (EngineException ex)
        {
            problem = ex.Message;
        }

        return new RootConfigInfo(
            r.Mount, r.AccessKey, r.SecretKeyCiphertext is not null,
            r.AccessKey is null ? "DefaultChain" : "RootConfig",
            endpoints.Region, r.IamEndpoint, r.StsEndpoint,
            StoredRootConfig.MaxRetries(r), r.UsernameTemplate)
        {
            StsRegion = r.StsRegion,
            StsFallbackEndpoints = r.StsFallbackEndpoints,
            StsFallbackRegions = r.StsFallbackRegions,
            Endpoints = endpoints,
            EndpointProblem = problem,
            KmsKeyId = r.KmsKeyId,
        };
    }

    private static string? Blank(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
