using DynamicAwsCreds.Engine.Store;

namespace DynamicAwsCreds.Engine.Store.Sealing;

/// <summary>
/// Where a store's sealer is chosen, so a new mechanism is a new <see cref="ISecretSealer"/> and a choice made here.
/// Each mechanism marks what it seals with its own first byte (<see cref="KeyFileSealer.Format"/>,
/// <see cref="DpapiSealer.Format"/>, <see cref="KmsSealer.Format"/>), so one store can hold values of several.
/// </summary>
public static class SecretSealers
{
    /// <summary>
    /// A file store's sealer: DPAPI for the current user on Windows, elsewhere AES-256-GCM with the key file beside the
    /// store. On Windows, values sealed with the key file (a store brought from another platform) still open.
    /// </summary>
    /// <param name="sealedSecretsExist">Whether the store holds sealed values: a missing key file is then an error, never a new key.</param>
    public static ISecretSealer ForFileStore(string storePath, Func<bool>? sealedSecretsExist = null)
    {
        var keyFile = KeyFileSealer.ForStore(storePath, sealedSecretsExist);
        return OperatingSystem.IsWindows() ? new DpapiSealer(storePath, otherFormats: keyFile) : keyFile;
    }

    /// <summary>
    /// A shared store's sealer: AWS KMS only (a value is sealed under the KMS key its root config names), so any host
    /// with kms:Decrypt on that key opens it; never a per-machine key file.
    /// </summary>
    public static ISecretSealer ForSharedStore(DynamoDbStoreLocation location) => new KmsSealer(location.Region, location.KmsEndpoint);
}
