using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Roots;

/// <summary>
/// Which key seals a mount's secrets (its root secret key, its static roles' keys, its cached credentials). With an AWS KMS key named in the
/// root config, that key, through the store's <see cref="IKeyedSecretSealer"/>; a file store's sealer takes no named
/// key, so there a KMS key is refused. Without one, the store's own sealer, except in a shared store: that seals only
/// with KMS, never with a per-machine key another host could not open.
/// </summary>
internal static class MountSealing
{
    public static byte[] Seal(EngineContext context, string mount, string? kmsKeyId, string plaintext, string sealingContext, string what)
    {
        if (kmsKeyId is not null)
        {
            return Keyed(context, kmsKeyId).Seal(plaintext, sealingContext, kmsKeyId);
        }

        RequireKey(context, mount, kmsKeyId, what);
        return context.Sealer.Seal(plaintext, sealingContext);
    }

    /// <summary>Refuses (KmsKeyRequired) before anything happens when a shared store would have to seal <paramref name="what"/> with no KMS key.</summary>
    public static void RequireKey(EngineContext context, string mount, string? kmsKeyId, string what)
    {
        if (context.SharedStore && kmsKeyId is null)
        {
            throw new EngineException("KmsKeyRequired", ErrorKind.InvalidOperation, mount, what switch
            {
                RootKeys => $"The store is shared by many hosts, so it keeps no secret sealed with one machine's key, and the root config of '{mount}' names no AWS KMS key to seal root keys with. "
                    + "Use the AWS SDK's default credential chain on each host (an instance or container role; the recommended set-up, which stores no secret): Set-AwsRootConfig without -AccessKey/-SecretKey, or -UseDefaultCredentialChain. "
                    + "Or seal the keys with AWS KMS: add -KmsKeyId <key id, key ARN or alias/name>. Nothing was changed.",
                StaticKeys => $"The store is shared by many hosts, so it keeps the keys of static roles sealed with the AWS KMS key of the mount's root config, and the root config of '{mount}' names none. "
                    + "Name one with Set-AwsRootConfig -Path " + mount + " -KmsKeyId <key id, key ARN or alias/name>, then set the static role again. Nothing was changed.",
                _ => $"The store is shared by many hosts, so {what} are sealed with the AWS KMS key of the mount's root config, and the root config of '{mount}' names none. "
                    + "Name one with Set-AwsRootConfig -Path " + mount + " -KmsKeyId <key id, key ARN or alias/name>, or leave out -Cache. Nothing was issued.",
            });
        }
    }

    /// <summary>The <see cref="Seal"/> argument for a mount's root secret key.</summary>
    public const string RootKeys = "root keys";

    /// <summary>The <see cref="Seal"/> argument for the managed keys of a mount's static roles.</summary>
    public const string StaticKeys = "static role keys";

    /// <summary>The store's sealer when it seals under named keys; a file store's does not (KmsKeyIdNotSupported).</summary>
    public static IKeyedSecretSealer Keyed(EngineContext context, string kmsKeyId) =>
        context.Sealer as IKeyedSecretSealer
        ?? throw new EngineException("KmsKeyIdNotSupported", ErrorKind.InvalidOperation, kmsKeyId,
            $"-KmsKeyId is for a shared store (DYNAMICAWSCREDS_STORE=dynamodb://…). This store is the per-user file '{context.StoreLocation}', whose secrets are sealed for this user on this machine; leave out -KmsKeyId. Nothing was changed.");
}
