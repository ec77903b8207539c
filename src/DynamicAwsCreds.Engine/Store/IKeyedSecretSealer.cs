namespace DynamicAwsCreds.Engine.Store;

/// <summary>
/// A sealer whose key is named for each value it seals (AWS KMS): the store's config says which key seals what, so
/// <see cref="ISecretSealer.Seal"/> without a key is refused. <see cref="ISecretSealer.Open"/> needs no key: the sealed
/// value names the key it was sealed with.
/// </summary>
public interface IKeyedSecretSealer : ISecretSealer
{
    /// <summary>Seals <paramref name="plaintext"/> under <paramref name="keyId"/> (a key id, key ARN, alias name or alias ARN).</summary>
    byte[] Seal(string plaintext, string context, string keyId);
}
